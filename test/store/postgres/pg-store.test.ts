import { createManualClock } from '../../../src/domain';
import { attachPostgresStore, createPostgresStore, type PostgresStore } from '../../../src/store/postgres';
import { describePostgres } from '../../helpers/postgres';
import { event } from '../contract/store-contract';

/**
 * PostgreSQL only: several store instances, each on a pool of its own (as separate processes
 * would be), claiming at once with real concurrency rather than in lockstep.
 */
describePostgres('PostgreSQL store: lanes and create-once across pools', (pg) => {
  const clock = createManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
  let stores: PostgresStore[] = [];
  const open = (n: number) => {
    for (let i = 0; i < n; i++) stores.push(attachPostgresStore({ pool: pg.createPool({ poolSize: 4 }), schema: pg.schema, clock, logger: pg.logger }));
    return stores;
  };
  beforeAll(async () => {
    await (await createPostgresStore({ pool: pg.createPool({ poolSize: 1 }), schema: pg.schema, clock, logger: pg.logger })).close();
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
    await pg.adminQuery(`TRUNCATE ${pg.schema}.jobs, ${pg.schema}.lanes, ${pg.schema}.inbound_events, ${pg.schema}.requests, ${pg.schema}.customers`);
  });

  test('three pools claim concurrently: no user ever has two running jobs, each user’s jobs finish in order, each once', async () => {
    const [a, b, c] = open(3);
    const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
    const kinds = ['assign', 'modify', 'modify', 'unassign'] as const;
    for (const kind of kinds)
      await a!.events.accept(
        users.map((u) => ({ event: event(u, kind), requestId: `${u}-${kind}`, dedupeKey: `${u}-${kind}-${Math.random()}` })),
        { duplicateWindowSeconds: 0, rawRequest: `<doc ${kind}/>` },
      );
    const total = users.length * kinds.length;
    const running = new Set<string>();
    const finished: Array<{ userId: string; id: number }> = [];
    const violations: string[] = [];
    const work = async (store: PostgresStore, owner: string) => {
      for (let idle = 0; finished.length < total && idle < 200;) {
        const jobs = await store.jobs.claim({ owner, leaseMs: 60_000, limit: 5, now: clock.now() });
        if (!jobs.length) {
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        for (const j of jobs) {
          if (running.has(j.userId)) violations.push(`${j.userId}: job ${j.id} claimed while another ran`);
          running.add(j.userId);
        }
        await Promise.all(
          jobs.map(async (j) => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            running.delete(j.userId);
            finished.push({ userId: j.userId, id: j.id });
            await store.jobs.complete(j.lease, { now: clock.now() });
          }),
        );
      }
    };
    const started = Date.now();
    await Promise.all([work(a!, 'A'), work(b!, 'B'), work(c!, 'C')]);
    console.log(`${total} jobs of ${users.length} users through 3 pools in ${Date.now() - started} ms`);
    expect(violations).toEqual([]);
    expect(finished).toHaveLength(total);
    expect(new Set(finished.map((f) => f.id)).size).toBe(total);
    for (const u of users) {
      const ids = finished.filter((f) => f.userId === u).map((f) => f.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    }
    expect(await a!.jobs.countByState()).toEqual({ done: total });
    expect((await pg.adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM ${pg.schema}.lanes`))[0]!.n).toBe(0);
  });

  test('an expired lease is taken over exactly once when five pools ask at the same moment', async () => {
    const [first, ...others] = open(6);
    await first!.events.accept([{ event: event('solo'), requestId: 'r', dedupeKey: 'k' }], { duplicateWindowSeconds: 0 });
    const [held] = await first!.jobs.claim({ owner: 'dead', leaseMs: 1_000, limit: 1, now: clock.now() });
    clock.advance(1_001);
    const claims = await Promise.all(others.map((s, i) => s.jobs.claim({ owner: `w${i}`, leaseMs: 1_000, limit: 5, now: clock.now() })));
    const taken = claims.flat();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ id: held!.id, lookupFirst: true });
    await expect(first!.jobs.complete(held!.lease, { now: clock.now() })).rejects.toMatchObject({ code: 'IMPB_ERR_STORE_LEASE_LOST' });
  });

  test('a failed call keeps the lane’s head until its next run; other users keep flowing', async () => {
    const [s] = open(1);
    for (const [u, kind] of [
      ['slow', 'assign'],
      ['slow', 'modify'],
      ['fast', 'assign'],
    ] as const)
      await s!.events.accept([{ event: event(u, kind), requestId: u, dedupeKey: `${u}${kind}` }], { duplicateWindowSeconds: 0 });
    const first = await s!.jobs.claim({ owner: 'A', leaseMs: 10_000, limit: 5, now: clock.now() });
    expect(first.map((j) => j.userId).sort()).toEqual(['fast', 'slow']);
    const slow = first.find((j) => j.userId === 'slow')!;
    await s!.jobs.release(slow.lease, { to: 'retry_wait', nextRunAt: clock.now() + 30_000, attempts: 1, now: clock.now() });
    await s!.jobs.complete(first.find((j) => j.userId === 'fast')!.lease, { now: clock.now() });
    expect(await s!.jobs.claim({ owner: 'A', leaseMs: 10_000, limit: 5, now: clock.now() + 29_000 })).toEqual([]);
    expect(await s!.jobs.nextDueAt()).toBe(clock.now() + 30_000);
    const [again] = await s!.jobs.claim({ owner: 'A', leaseMs: 10_000, limit: 5, now: clock.now() + 30_000 });
    expect(again).toMatchObject({ id: slow.id, kind: 'assign', attempts: 1 });
  });

  test('create once per enterprise: 200 claims through three pools at once have exactly one winner; release or expiry lets the next in', async () => {
    const three = open(3);
    const claim = (i: number) => three[i % 3]!.customers.claimCreation('ent-new', { owner: `w${i}`, template: 'ws', leaseMs: 60_000, now: clock.now() });
    const won = await Promise.all(Array.from({ length: 200 }, (_, i) => claim(i)));
    const winners = won.flatMap((w, i) => (w ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await three[1]!.customers.get('ent-new')).toMatchObject({ status: 'absent', template: 'ws' });
    expect(await claim(winners[0]!)).toBe(true);
    expect(await claim(winners[0]! + 1)).toBe(false);
    await three[0]!.customers.releaseCreation('ent-new', `w${winners[0]}`);
    expect(await claim(7)).toBe(true);
    clock.advance(60_001);
    expect(await claim(8)).toBe(true);
  });
});
