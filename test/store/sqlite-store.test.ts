import Database from 'better-sqlite3';
import path from 'node:path';
import type { ProvisioningEvent } from '../../src/domain';
import { createSqliteStore, STORE_FILE_NAME, type SqliteStore } from '../../src/store';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations';
import { makeTempDir } from '../helpers/temp-dir';

function event(userId: string, kind: ProvisioningEvent['kind'] = 'assign'): ProvisioningEvent {
  return { kind, template: 'bw', userId, enterpriseId: 'ent-1', profile: { firstName: 'A', lastName: userId } };
}

/** The claim of one owner, 'test', with a lease that outlives the test. */
function claimDue(s: SqliteStore, limit: number) {
  return s.jobs.claim({ owner: 'test', leaseMs: 60_000, limit, now: Date.now() });
}

describe('SQLite store', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    temp = makeTempDir('impb-store-');
    store = createSqliteStore({ dataDir: temp.dir });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  test('WAL, synchronous=FULL, migrations applied once and versioned in user_version', async () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(migrate(store.db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    // The pipeline's bookkeeping commits with NORMAL, and the connection returns to FULL after it.
    const id = await store.jobs.enqueue({ eventId: 0, kind: 'resync', template: 'bw', userId: 'x', enterpriseId: 'e', nextRunAt: 0, payload: {} });
    const [claimed] = await store.jobs.claim({ owner: 'test', leaseMs: 60_000, limit: 1, now: Date.now() });
    expect(claimed!.id).toBe(id);
    await store.jobs.complete(claimed!.lease, { now: Date.now() });
    await store.subscribers.upsert({ userId: 'x', template: 'bw', enterpriseId: 'e', status: 'provisioned', isActive: true, profile: {} });
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    await store.close();
    const reopened = createSqliteStore({ dataDir: temp.dir });
    expect(reopened.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    store = reopened;
  });

  test('a re-assign that follows an unassign inside the duplicate window is not swallowed', async () => {
    const accept = (kind: ProvisioningEvent['kind'], key: string, requestId: string) =>
      store.events.accept([{ event: event('cycler', kind), requestId, rawRequest: '<x/>', dedupeKey: key }], { duplicateWindowSeconds: 300 });
    const [first] = await accept('assign', 'assign-key', 'r1');
    expect((await accept('assign', 'assign-key', 'r1-again'))[0]).toEqual({ eventId: first!.eventId, duplicate: true });
    expect((await accept('unassign', 'unassign-key', 'r2'))[0]!.duplicate).toBe(false);
    // The same assign again: something happened to the user since, so it is a new event with a job.
    const [again] = await accept('assign', 'assign-key', 'r3');
    expect(again!.duplicate).toBe(false);
    expect(again!.eventId).toBeGreaterThan(first!.eventId);
    expect((await store.jobs.list({ userId: 'cycler' })).map((j) => j.kind).reverse()).toEqual(['assign', 'unassign', 'assign']);
  });

  test('migration 2 back-fills job heads of a version-1 database', async () => {
    await store.close();
    const dir = makeTempDir('impb-store-v1-');
    const db = new Database(path.join(dir.dir, STORE_FILE_NAME));
    migrate(db, MIGRATIONS.slice(0, 1));
    const insert = db.prepare(
      "INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, next_run_at, payload_json, created_at, updated_at) VALUES (1, 'assign', 'bw', ?, 'e', ?, 0, '{}', 'x', 'x')",
    );
    insert.run('a', 'done');
    insert.run('a', 'queued');
    insert.run('b', 'retry_wait');
    db.close();
    store = createSqliteStore({ dataDir: dir.dir });
    const heads = store.db.prepare('SELECT user_id, job_id FROM job_heads ORDER BY user_id').all();
    expect(heads).toEqual([
      { user_id: 'a', job_id: 2 },
      { user_id: 'b', job_id: 3 },
    ]);
    await store.close();
    dir.cleanup();
    store = createSqliteStore({ dataDir: temp.dir });
  });

  test('group commit: concurrent accepts share commits; results map back to their callers', async () => {
    const before = store.events.commitStats();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.events.accept([{ event: event(`u${i}`), requestId: `r${i}`, rawRequest: '<x/>', dedupeKey: `k${i}` }], { duplicateWindowSeconds: 300 }),
      ),
    );
    const after = store.events.commitStats();
    expect(after.accepted - before.accepted).toBe(200);
    expect(after.commits - before.commits).toBeLessThan(20);
    const ids = outcomes.map((o) => o[0]!.eventId);
    expect(new Set(ids).size).toBe(200);
    for (let i = 0; i < 200; i++) expect((await store.events.get(ids[i]!))!.userId).toBe(`u${i}`);
    // A duplicate inside the window is acknowledged with the first event's id and no new job.
    const [dup] = await store.events.accept([{ event: event('u0'), requestId: 'again', rawRequest: '<x/>', dedupeKey: 'k0' }], { duplicateWindowSeconds: 300 });
    expect(dup).toEqual({ eventId: ids[0], duplicate: true });
    expect(await store.jobs.countPending()).toBe(200);
  });

  test('one failing input does not fail the requests that shared its commit', async () => {
    const bad = { event: { ...event('bad'), userId: null as unknown as string }, requestId: 'bad', rawRequest: '<x/>', dedupeKey: 'bad' };
    const results = await Promise.allSettled([
      store.events.accept([{ event: event('good1'), requestId: 'g1', rawRequest: '<x/>', dedupeKey: 'g1' }], { duplicateWindowSeconds: 0 }),
      store.events.accept([bad], { duplicateWindowSeconds: 0 }),
      store.events.accept([{ event: event('good2'), requestId: 'g2', rawRequest: '<x/>', dedupeKey: 'g2' }], { duplicateWindowSeconds: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.events.count()).toBe(2);
  });

  test('claimDue hands out only each user’s oldest unfinished job, and the next one once it finishes', async () => {
    await store.events.accept(
      [event('a'), event('a', 'modify'), event('b'), event('a', 'unassign')].map((e, i) => ({
        event: e,
        requestId: `r${i}`,
        rawRequest: '',
        dedupeKey: `d${i}`,
      })),
      { duplicateWindowSeconds: 0 },
    );
    const first = await claimDue(store, 10);
    expect(first.map((j) => [j.userId, j.kind])).toEqual([
      ['a', 'assign'],
      ['b', 'assign'],
    ]);
    expect(await claimDue(store, 10)).toEqual([]);
    await store.jobs.release(first[0]!.lease, { to: 'retry_wait', nextRunAt: Date.now() + 60_000, now: Date.now() });
    expect(await claimDue(store, 10)).toEqual([]);
    store.db.prepare('UPDATE jobs SET next_run_at = 0 WHERE id = ?').run(first[0]!.id);
    const [retried] = await claimDue(store, 10);
    await store.jobs.complete(retried!.lease, { now: Date.now() });
    const next = await claimDue(store, 10);
    expect(next.map((j) => [j.userId, j.kind])).toEqual([['a', 'modify']]);
    expect((await store.jobs.pendingForUser('a')).map((j) => j.kind)).toEqual(['modify', 'unassign']);
    // A crash leaves 'running' jobs: once their lease is gone they are taken over with lookupFirst.
    expect(await store.jobs.expireLeasesOf('test', Date.now())).toBe(2);
    const again = await claimDue(store, 10);
    expect(again.map((j) => [j.userId, j.kind, j.lookupFirst])).toEqual([
      ['a', 'modify', true],
      ['b', 'assign', true],
    ]);
  });

  test('due status polls are claimed before a backlog of new work', async () => {
    for (let i = 0; i < 5; i++)
      await store.jobs.enqueue({ eventId: 0, kind: 'assign', template: 'bw', userId: `q${i}`, enterpriseId: 'e', nextRunAt: 1, payload: {} });
    const pollId = await store.jobs.enqueue({ eventId: 0, kind: 'assign', template: 'bw', userId: 'p', enterpriseId: 'e', nextRunAt: 1, payload: {} });
    store.db.prepare("UPDATE jobs SET state = 'polling', next_run_at = ? WHERE id = ?").run(Date.now() - 1, pollId);
    const claimed = await claimDue(store, 2);
    expect(claimed.map((j) => j.userId)).toEqual(['p', 'q0']);
  });

  test('claimDue with 100,000 queued jobs reads through the head index, not the whole table', async () => {
    const insert = store.db.prepare(
      "INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, next_run_at, payload_json, created_at, updated_at) VALUES (0, 'assign', 'bw', ?, 'e', 'queued', ?, '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    );
    store.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) insert.run(`user${i % 50_000}`, i);
    })();
    const plan = store.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT j.* FROM job_heads h JOIN jobs j ON j.id = h.job_id WHERE h.state = 'queued' AND h.next_run_at <= 1 ORDER BY h.next_run_at, h.job_id LIMIT 8",
      )
      .all() as Array<{ detail: string }>;
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toMatch(/job_heads_state_due/);
    expect(details).not.toMatch(/TEMP B-TREE/);
    expect(details).not.toMatch(/SCAN j\b|SCAN jobs/);
    const claimed = await claimDue(store, 8);
    expect(claimed.map((j) => j.userId)).toEqual(['user0', 'user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'user7']);
    expect(await store.jobs.countPending()).toBe(100_000);
    expect(await store.jobs.oldestPendingCreatedAt()).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    // Ratio, not an absolute time: a claim over 100,000 queued jobs costs about what one over a handful does.
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) await claimDue(store, 8);
    const big = Number(process.hrtime.bigint() - t0);
    const smallDir = makeTempDir('impb-small-');
    const small = createSqliteStore({ dataDir: smallDir.dir });
    for (let i = 0; i < 500; i++)
      await small.jobs.enqueue({ eventId: 0, kind: 'assign', template: 'bw', userId: `s${i}`, enterpriseId: 'e', nextRunAt: 0, payload: {} });
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < 50; i++) await claimDue(small, 8);
    const tiny = Number(process.hrtime.bigint() - t1);
    await small.close();
    smallDir.cleanup();
    expect(big / tiny).toBeLessThan(25);
  });

  test('subscriber and customer status changes are audited with time and TrackingID, atomically with the change', async () => {
    const base = { userId: 'a', template: 'bw', enterpriseId: 'e', status: 'provisioning', isActive: true, profile: {}, lastTrackingId: 'T1' };
    await store.subscribers.upsert(base);
    await store.subscribers.upsert({ ...base, lastTrackingId: 'T1b' });
    await store.subscribers.upsert({ ...base, status: 'provisioned', lastTrackingId: 'T2' });
    const audit = await store.audit.list({ entityType: 'subscriber', entityId: 'a' });
    expect(audit.map((a) => [a.before, a.after, a.trackingId])).toEqual([
      [{ status: 'provisioning' }, { status: 'provisioned' }, 'T2'],
      [undefined, { status: 'provisioning' }, 'T1'],
    ]);
    await store.customers.upsert({ enterpriseId: 'e', template: 'ws', status: 'creating' });
    await store.customers.upsert({ enterpriseId: 'e', template: 'ws', status: 'provisioned', webexCustomerId: 'c1', lastTrackingId: 'T3' });
    const caudit = await store.audit.list({ entityType: 'customer', entityId: 'e' });
    expect(caudit.map((a) => (a.after as { status: string }).status)).toEqual(['provisioned', 'creating']);
  });
});
