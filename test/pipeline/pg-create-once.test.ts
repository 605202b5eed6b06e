import { createSilentLogger } from '../../src/observability';
import { createPipelineWorker, type PipelineWorker } from '../../src/pipeline/worker';
import { attachPostgresStore, createPostgresStore, type PostgresStore } from '../../src/store/postgres';
import { withRateLimit } from '../../src/webex/pacing/limited-api';
import { createRateLimiter } from '../../src/webex/pacing/rate-limiter';
import { describePostgres } from '../helpers/postgres';
import { FAST_SETTINGS, makeTemplate, WHOLESALE_ONBOARDING } from './harness';
import { startSim, type SimUnderTest } from './sim-harness';

/**
 * Issue 14: 200 first users of one new Wholesale enterprise arrive at three instances in the
 * same second. Three stores on three pools, three workers, one simulator over real sockets:
 * exactly one customer is created.
 */
describePostgres('create once per enterprise across three instances (pipeline)', (pg) => {
  let sim: SimUnderTest;
  const stores: PostgresStore[] = [];
  const workers: PipelineWorker[] = [];
  afterAll(async () => {
    for (const w of workers) await w.close(2_000);
    for (const s of stores) await s.close();
    await sim?.close();
  });

  test('200 first users through three stores: one customer create at the simulator, 200 subscribers', async () => {
    sim = await startSim({ customerProvisioningDelayMs: 200, requestLogLimit: 100_000 });
    const template = makeTemplate({
      name: 'ws',
      targetApi: 'wholesale',
      package: 'webex_calling',
      wholesale: { ...WHOLESALE_ONBOARDING, locationId: 'LOC-1' },
    });
    const first = await createPostgresStore({ pool: pg.createPool({ poolSize: 4 }), schema: pg.schema, logger: pg.logger });
    stores.push(first);
    await first.templates.put(template);
    for (let i = 1; i < 3; i++) stores.push(attachPostgresStore({ pool: pg.createPool({ poolSize: 4 }), schema: pg.schema, logger: pg.logger }));
    const users = Array.from({ length: 200 }, (_, i) => `w${i}@voip`);
    await Promise.all(
      users.map((u, i) =>
        stores[i % 3]!.events.accept(
          [
            {
              event: {
                kind: 'assign',
                template: 'ws',
                userId: u,
                enterpriseId: 'ent-new',
                profile: { firstName: 'W', lastName: u, email: `${u.split('@')[0]}@ent.example`, extension: '200' },
              },
              requestId: `r${i}`,
              dedupeKey: `r${i}`,
            },
          ],
          { duplicateWindowSeconds: 0, rawRequest: `<r${i}/>` },
        ),
      ),
    );
    const started = Date.now();
    for (const [i, store] of stores.entries()) {
      const settings = { ...FAST_SETTINGS, concurrency: 16 };
      const worker = createPipelineWorker({
        store,
        api: withRateLimit(sim.client, createRateLimiter({ maxPerSecond: settings.ratePerSecond })),
        settings,
        logger: createSilentLogger(),
        owner: `instance-${i}`,
      });
      workers.push(worker);
      await worker.start();
    }
    for (let waited = 0; waited < 60_000; waited += 100) {
      if ((await first.subscribers.countByStatus()).provisioned === users.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(`200 users of one new enterprise through 3 instances: ${Date.now() - started} ms, ${sim.sim.stats().requests} Webex calls`);
    // Every POST counts, answered or refused (a second POST of the same externalId would be a 409).
    const posts = sim.sim.requestLog.filter((e) => e.method === 'POST' && /\/wholesale\/customers\/?$/.test(e.path.split('?')[0]!));
    expect(posts).toHaveLength(1);
    expect(sim.sim.stats().creates.customers).toBe(1);
    expect(sim.sim.stats().creates.wholesaleSubscribers).toBe(users.length);
    expect(await first.subscribers.countByStatus()).toEqual({ provisioned: users.length });
    expect(await first.customers.get('ent-new')).toMatchObject({ status: 'provisioned', createdByBridge: true });
  }, 90_000);
});
