import { describePostgres } from '../../helpers/postgres';
import { createInstanceRegistry } from '../../../src/store/postgres/instances';
import { createLeaderLease } from '../../../src/store/postgres/leader-lease';
import { migratePostgres } from '../../../src/store/postgres/migrate';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describePostgres('leader lease and instance registry', (pg) => {
  beforeAll(async () => {
    await migratePostgres(pg.createPool({ poolSize: 1 }), { logger: pg.logger });
  });

  it('only one of two instances leads; the other takes over when the leader stops renewing', async () => {
    const ttlMs = 2_000;
    const a = createLeaderLease({ pool: pg.createPool({ poolSize: 1 }), name: 'expiry', owner: 'instance-a', logger: pg.logger, ttlMs });
    const b = createLeaderLease({ pool: pg.createPool({ poolSize: 1 }), name: 'expiry', owner: 'instance-b', logger: pg.logger, ttlMs });
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    expect([ra, rb].filter(Boolean)).toHaveLength(1);
    const [leader, other] = ra ? [a, b] : [b, a];
    // Renewals keep it; the other keeps asking and keeps being refused.
    for (let i = 0; i < 3; i++) {
      await sleep(ttlMs / 4);
      expect(await leader.tick()).toBe(true);
      expect(await other.tick()).toBe(false);
    }
    // The leader dies (no more renewals). The other takes over once the lease has ended by the
    // server's clock, and by then the old leader no longer believes it leads: never two leaders.
    const diedAt = Date.now();
    while (!(await other.tick())) {
      expect(Date.now() - diedAt).toBeLessThan(ttlMs * 3);
      await sleep(50);
    }
    expect(leader.isLeader()).toBe(false);
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(ttlMs / 2);
    // The old leader's token no longer renews anything.
    expect(await leader.tick()).toBe(false);
    expect(other.isLeader()).toBe(true);
  }, 20_000);

  it('a leader that stops gives the lease up at once', async () => {
    const changes: boolean[] = [];
    const a = createLeaderLease({
      pool: pg.createPool({ poolSize: 1 }),
      name: 'renewal',
      owner: 'instance-a',
      logger: pg.logger,
      ttlMs: 60_000,
      onChange: (l) => changes.push(l),
    });
    const b = createLeaderLease({ pool: pg.createPool({ poolSize: 1 }), name: 'renewal', owner: 'instance-b', logger: pg.logger, ttlMs: 60_000 });
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    await a.stop();
    expect(changes).toEqual([true, false]);
    expect(await b.tick()).toBe(true);
    await b.stop();
  });

  it('lists the live instances with version, start time and last heartbeat; a silent one drops out', async () => {
    const a = createInstanceRegistry({ pool: pg.createPool({ poolSize: 1 }), id: 'i-a', version: '1.2.0', logger: pg.logger, heartbeatEveryMs: 100 });
    const b = createInstanceRegistry({
      pool: pg.createPool({ poolSize: 1 }),
      id: 'i-b',
      version: '1.3.0',
      logger: pg.logger,
      hostname: 'bridge-b',
      heartbeatEveryMs: 100,
    });
    await a.start();
    await b.start();
    const live = await a.live(1_000);
    expect(live.map((i) => [i.id, i.version])).toEqual([
      ['i-a', '1.2.0'],
      ['i-b', '1.3.0'],
    ]);
    expect(live[1]).toMatchObject({ hostname: 'bridge-b', startedAt: expect.any(Date), lastHeartbeat: expect.any(Date) });
    const firstBeat = live[0]!.lastHeartbeat.getTime();
    await sleep(350);
    const later = await b.live(1_000);
    expect(later.find((i) => i.id === 'i-a')!.lastHeartbeat.getTime()).toBeGreaterThan(firstBeat);
    // c heartbeats once and dies without deregistering: gone from the list once stale.
    const killed = createInstanceRegistry({ pool: pg.createPool({ poolSize: 1 }), id: 'i-c', version: '1.3.0', logger: pg.logger });
    await killed.heartbeat();
    await sleep(1_200);
    expect((await a.live(800)).map((i) => i.id)).toEqual(['i-a', 'i-b']);
    await b.stop();
    expect((await a.live(800)).map((i) => i.id)).toEqual(['i-a']);
    await a.stop();
  });
});
