import { executeCli } from '../../src/cli/main';
import type { JobQueue, SubscriberRepo } from '../../src/store';
import { pointCliAt, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `imp-bridge <args>` in-process through the same entry as bin/imp-bridge.js, capturing output and the exit code. */
export async function runCliCaptured(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  try {
    const failed = await executeCli(['node', 'imp-bridge', ...args]);
    return { code: failed ?? Number(process.exitCode ?? 0), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

/**
 * A test bridge for the enclosing describe block, on a data dir of its own that outlives the
 * bridge (a test may stop it and read the store directly), with the CLI pointed at it
 * (pointCliAt). After the block: stopped if still running, process.env restored, the dir
 * removed. The answer gives the running bridge, from beforeAll on.
 */
export function useCliBridge(): () => TestBridge {
  const temp = makeTempDir();
  const saved = { ...process.env };
  let t: TestBridge | undefined;
  beforeAll(async () => {
    t = await startTestBridge({}, { dataDir: temp.dir });
    pointCliAt(t);
  });
  afterAll(async () => {
    await t?.stop().catch(() => undefined);
    process.env = saved;
    temp.cleanup();
  });
  return () => {
    if (!t) throw new Error('the test bridge starts in beforeAll');
    return t;
  };
}

type SubscriberInput = Parameters<SubscriberRepo['upsert']>[0];
type JobInput = Parameters<JobQueue['enqueue']>[0];

/** A subscriber the proxy has provisioned (active; an empty profile unless given), for SubscriberRepo.upsert. */
export function provisionedSubscriber(
  subscriber: Omit<SubscriberInput, 'status' | 'isActive' | 'profile'> & Partial<Pick<SubscriberInput, 'profile'>>,
): SubscriberInput {
  return { status: 'provisioned', isActive: true, profile: {}, ...subscriber };
}

/** A job due only in an hour (the worker leaves it alone meanwhile), for JobQueue.enqueue. */
export function waitingJob(job: Omit<JobInput, 'eventId' | 'nextRunAt' | 'payload'>): JobInput {
  return { eventId: 0, nextRunAt: Date.now() + 3_600_000, payload: {}, ...job };
}
