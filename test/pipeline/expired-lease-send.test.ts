import { createPipelineWorker, type PipelineWorker } from '../../src/pipeline/worker';
import type { WebexCallPacer } from '../../src/pipeline/webex-port';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres';
import { captureLogger } from '../helpers/capture-logger';
import { describePostgres, TEST_DATABASE_URL } from '../helpers/postgres';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { ALICE, FAST_SETTINGS, makeTemplate } from './harness';
import { startSim, type SimUnderTest } from './sim-harness';

/**
 * The rare double create of test/multi-instance/postgres-stopped.test.ts, made deterministic.
 * With PostgreSQL, the Webex call budget is a row of the database: while the database is down a
 * call waits in the pacer (createBudgetedRateLimiter: "calls wait and the take is retried"), and
 * the job's lease renewals fail as "unreachable", which does not mark the slot lost. The lease
 * expires; when the database is back, the claim loop (this very worker) takes the job over and
 * its new run looks up, finds nothing, and creates. The old run, released by the pacer, must not
 * send its create any more.
 *
 * Real here: PostgreSQL (through a proxy the test cuts), the store, the worker, the Webex client
 * over sockets, the simulator. Injected: the pacer, which holds the calls the test names, standing
 * for the budget whose waiters come out in any order after the outage.
 */
const LEASE_MS = 1_000;
const USER = 'alice@x';

/** Holds the nth acquire (1-based) for each n in `held` until the test lets it go. */
function holdingPacer(held: number[]) {
  let seen = 0;
  const gates = new Map(
    held.map((n) => {
      let reached!: () => void;
      let letGo!: () => void;
      return [
        n,
        { reached: new Promise<void>((r) => (reached = r)), released: new Promise<void>((r) => (letGo = r)), reach: () => reached(), letGo: () => letGo() },
      ];
    }),
  );
  const pacer: WebexCallPacer = {
    async acquire() {
      const gate = gates.get(++seen);
      if (!gate) return;
      gate.reach();
      await gate.released;
    },
    onRateLimited: () => undefined,
  };
  return {
    pacer,
    reached: (n: number) => gates.get(n)!.reached,
    letGo: (n: number) => gates.get(n)!.letGo(),
    releaseAll: () => gates.forEach((g) => g.letGo()),
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describePostgres('a run whose lease expired while its Webex call waited sends nothing', (pg) => {
  let sim: SimUnderTest | undefined;
  let proxy: TcpProxy | undefined;
  let store: PostgresStore | undefined;
  let worker: PipelineWorker | undefined;
  let pacing: ReturnType<typeof holdingPacer> | undefined;
  afterAll(async () => {
    pacing?.releaseAll();
    await worker?.close(2_000);
    await store?.close();
    await proxy?.close();
    await sim?.close();
  });

  test('PostgreSQL down while a create waits for its permit: after it returns, the job is taken over and the user is created once', async () => {
    // Calls 1 and 2: the first run's look-up and create; 3 and 4: the run that takes the job over.
    pacing = holdingPacer([2, 4]);
    sim = await startSim({ requestLogLimit: 10_000 }, { pacer: pacing.pacer });
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const through = new URL(TEST_DATABASE_URL);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    store = await createPostgresStore({
      pool: pg.createPool({ url: through.toString(), poolSize: 4, connectionTimeoutMs: 2_000 }),
      schema: pg.schema,
      logger: pg.logger,
    });
    await store.templates.put(makeTemplate());
    const log = captureLogger('warn');
    worker = createPipelineWorker({ store, api: sim.client, settings: { ...FAST_SETTINGS, leaseMs: LEASE_MS }, logger: log.logger, owner: 'A' });
    await worker.start();
    await store.events.accept(
      [{ event: { kind: 'assign', template: 'bw', userId: USER, enterpriseId: 'ent-1', profile: ALICE }, requestId: 'r1', dedupeKey: 'r1' }],
      {
        duplicateWindowSeconds: 0,
        rawRequest: '<r1/>',
      },
    );
    worker.wake();
    const lookups = () => sim!.sim.requestLog.filter((e) => e.method === 'GET' && e.path.includes(`userId=${encodeURIComponent(USER)}`)).length;

    // The first run looked up (nothing there) and waits for the permit of its create.
    await pacing.reached(2);
    expect(lookups()).toBe(1);
    const [claimed] = await pg.adminQuery<{ id: string; lease_token: string }>(`SELECT id, lease_token FROM ${pg.schema}.jobs WHERE user_id = $1`, [USER]);

    // PostgreSQL goes away for longer than the lease: every renewal fails as "unreachable".
    await proxy.cut();
    await new Promise((r) => setTimeout(r, LEASE_MS * 2.5));
    expect(log.lines.some((l) => l.includes('pipeline.lease.renew_failed'))).toBe(true);
    await proxy.restore();

    // Back: the worker's own claim loop takes the expired lease over; the new run looks up (still
    // nothing: the first run's create has not left) and waits for the permit of its own create.
    await pacing.reached(4);
    expect(lookups()).toBe(2);
    const [taken] = await pg.adminQuery<{ lease_token: string; lease_owner: string }>(`SELECT lease_token, lease_owner FROM ${pg.schema}.jobs WHERE id = $1`, [
      claimed!.id,
    ]);
    expect(taken).toMatchObject({ lease_owner: 'A' });
    expect(taken!.lease_token).not.toBe(claimed!.lease_token);

    // The first run gets its permit now. Its lease is gone: it must drop the job without sending.
    pacing.letGo(2);
    await until('the first run to drop the job', () => log.lines.some((l) => l.includes('pipeline.job.lease_lost')));
    await new Promise((r) => setTimeout(r, 50));
    // The run that took over is still this worker's running slot (its lease is renewed).
    const whileTakenOver = { active: worker.stats().active, activeUsers: worker.stats().activeUsers };

    pacing.letGo(4);
    const jobId = Number(claimed!.id);
    await until('the job to end', async () => ['done', 'failed'].includes((await store!.jobs.get(jobId))?.state ?? ''));
    await worker.whenIdle({ timeoutMs: 10_000 });

    const creates = sim.sim.requestLog.filter(
      (e) => e.method === 'POST' && (e.body as { userId?: string } | undefined)?.userId === USER && e.status >= 200 && e.status < 300,
    );
    expect({
      creates: creates.length,
      whileTakenOver,
      job: (await store.jobs.get(jobId))?.state,
      subscriber: (await store.subscribers.get(USER))?.status,
    }).toEqual({
      creates: 1,
      whileTakenOver: { active: 1, activeUsers: [USER] },
      job: 'done',
      subscriber: 'provisioned',
    });
  }, 60_000);
});
