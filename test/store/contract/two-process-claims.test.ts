import { spawn } from 'node:child_process';
import path from 'node:path';
import { createSqliteStore } from '../../../src/store';
import { ensureDistFresh } from '../../global-setup';
import { makeTempDir } from '../../helpers/temp-dir';

/**
 * Two processes, two connections, one SQLite file: both claim at once; one dies holding
 * leases. No user ever has two running jobs, and every job is finished exactly once.
 */
interface ChildRun {
  /** Resolves at the child's first completed job. */
  started: Promise<void>;
  exited: Promise<{ out: string; signal: NodeJS.Signals | null; err: string }>;
}

function runChild(options: object): ChildRun {
  const child = spawn(process.execPath, [path.join(__dirname, 'claim-child.js')], {
    env: { ...process.env, CLAIM_CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += String(d);
    if (out.includes('DONE ')) markStarted();
  });
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const exited = new Promise<{ out: string; signal: NodeJS.Signals | null; err: string }>((resolve) =>
    child.on('exit', (_code, signal) => {
      markStarted();
      resolve({ out, signal, err });
    }),
  );
  return { started, exited };
}

beforeAll(ensureDistFresh, 180_000);

test('two processes claiming concurrently on one file: per-user exclusivity, expired leases taken over, each job done once', async () => {
  const temp = makeTempDir('impb-two-proc-');
  const store = createSqliteStore({ dataDir: temp.dir });
  const inputs = [];
  for (let u = 0; u < 80; u++)
    for (const kind of ['assign', 'modify', 'modify'] as const)
      inputs.push({
        event: { kind, template: 'bw', userId: `p${u}`, enterpriseId: 'e', profile: { lastName: kind } },
        requestId: `r${u}${kind}${inputs.length}`,
        dedupeKey: `k${inputs.length}`,
      });
  await store.events.accept(inputs, { duplicateWindowSeconds: 0, rawRequest: '<doc/>' });
  await store.close();

  // B starts once A has finished a job, so A is sure to die holding leases however the loaded
  // machine schedules two process start-ups; from then on both claim at once.
  const first = runChild({ dataDir: temp.dir, owner: 'A', leaseMs: 400, dieAfter: 5 });
  await first.started;
  const second = runChild({ dataDir: temp.dir, owner: 'B', leaseMs: 400 });
  const [a, b] = await Promise.all([first.exited, second.exited]);
  expect(a.signal).toBe('SIGKILL');
  expect(b.err).toBe('');
  const lines = (a.out + b.out).split('\n');
  expect(lines.filter((l) => l === 'VIOLATION')).toEqual([]);
  const done = lines.filter((l) => l.startsWith('DONE ')).map((l) => Number(l.slice(5)));
  expect(new Set(done).size).toBe(done.length);
  expect(done).toHaveLength(inputs.length);

  const after = createSqliteStore({ dataDir: temp.dir });
  expect(await after.jobs.countByState()).toEqual({ done: inputs.length });
  // The jobs A died holding were taken over (lookupFirst) by B.
  expect((await after.jobs.list({ limit: 1000 })).filter((j) => j.lookupFirst).length).toBeGreaterThanOrEqual(1);
  await after.close();
  temp.cleanup();
}, 120_000);
