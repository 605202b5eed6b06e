import { spawn } from 'node:child_process';
import path from 'node:path';
import { createSqliteStore } from '../../../src/store';
import { ensureDistFresh } from '../../global-setup';
import { makeTempDir } from '../../helpers/temp-dir';

/**
 * Two processes, two connections, one SQLite file: both claim at once; one dies holding
 * leases. No user ever has two running jobs, and every job is finished exactly once.
 */
function runChild(options: object): Promise<{ out: string; signal: NodeJS.Signals | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'claim-child.js')], {
      env: { ...process.env, CLAIM_CHILD_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (_code, signal) => resolve({ out, signal, err }));
  });
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

  const [a, b] = await Promise.all([
    runChild({ dataDir: temp.dir, owner: 'A', leaseMs: 400, dieAfter: 40 }),
    runChild({ dataDir: temp.dir, owner: 'B', leaseMs: 400 }),
  ]);
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
