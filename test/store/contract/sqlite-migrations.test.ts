import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore, STORE_FILE_NAME } from '../../../src/store';
import { MIGRATIONS, migrate } from '../../../src/store/sqlite/migrations';
import { makeTempDir } from '../../helpers/temp-dir';

/** The schema of the previous release: every migration up to version 4 (HEAD before the lease redesign). */
const PREVIOUS_RELEASE = 4;

describe('SQLite migrations', () => {
  test('from an empty database to the current version, and again as a no-op', async () => {
    const temp = makeTempDir('impb-migrate-');
    const store = createSqliteStore({ dataDir: temp.dir });
    const last = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    expect(store.db.pragma('user_version', { simple: true })).toBe(last);
    expect(migrate(store.db)).toBe(last);
    await store.close();
    temp.cleanup();
  });

  test('from the previous release’s schema with data: events keep their request, a job left running is taken over with lookupFirst, order is kept', async () => {
    const temp = makeTempDir('impb-migrate-');
    const file = path.join(temp.dir, STORE_FILE_NAME);
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= PREVIOUS_RELEASE),
    );
    const at = '2026-05-01T00:00:00.000Z';
    const insertEvent = old.prepare(
      "INSERT INTO inbound_events (received_at, request_id, template, kind, user_id, enterprise_id, event_json, raw_request, dedupe_key) VALUES (?, 'r1', 'bw', ?, 'alice', 'ent', ?, '<old-request/>', ?)",
    );
    const e1 = Number(
      insertEvent.run(at, 'assign', JSON.stringify({ kind: 'assign', template: 'bw', userId: 'alice', enterpriseId: 'ent', profile: {} }), 'k1')
        .lastInsertRowid,
    );
    const e2 = Number(
      insertEvent.run(at, 'modify', JSON.stringify({ kind: 'modify', template: 'bw', userId: 'alice', enterpriseId: 'ent', profile: {} }), 'k2')
        .lastInsertRowid,
    );
    const insertJob = old.prepare(
      "INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, payload_json, created_at, updated_at) VALUES (?, ?, 'bw', 'alice', 'ent', ?, 0, ?, '{}', ?, ?)",
    );
    const running = Number(insertJob.run(e1, 'assign', 'running', Date.parse(at), at, at).lastInsertRowid);
    insertJob.run(e2, 'modify', 'queued', Date.parse(at), at, at);
    old.close();

    const store = createSqliteStore({ dataDir: temp.dir });
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect((await store.events.get(e1))!.rawRequest).toBe('<old-request/>');
    const claimed = await store.jobs.claim({ owner: 'new', leaseMs: 60_000, limit: 10, now: Date.now() });
    expect(claimed.map((j) => [j.id, j.lookupFirst])).toEqual([[running, true]]);
    await store.jobs.complete(claimed[0]!.lease, { now: Date.now() });
    const [next] = await store.jobs.claim({ owner: 'new', leaseMs: 60_000, limit: 10, now: Date.now() });
    expect(next).toMatchObject({ kind: 'modify', lookupFirst: false });
    // New events store their request once, beside the old ones.
    const [out] = await store.events.accept(
      [{ event: { kind: 'assign', template: 'bw', userId: 'bob', enterpriseId: 'ent', profile: {} }, requestId: 'r2', rawRequest: '<new/>', dedupeKey: 'k3' }],
      { duplicateWindowSeconds: 0 },
    );
    expect((await store.events.get(out!.eventId))!.rawRequest).toBe('<new/>');
    await store.close();
    temp.cleanup();
  });
});

describe('SQLite migration 9: job heads keyed by user alone', () => {
  test('heads are carried over, the table has no rowid, no due-time index, one per-user jobs index keyed by state, the triggers keep working, statement journals stay in memory', async () => {
    const temp = makeTempDir('impb-migrate-');
    const old = new Database(path.join(temp.dir, STORE_FILE_NAME));
    old.pragma('journal_mode = WAL');
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= 8),
    );
    const eventId = Number(
      old
        .prepare(
          "INSERT INTO inbound_events (received_at, request_id, template, kind, user_id, enterprise_id, event_json, raw_request, dedupe_key) VALUES ('x', 'r0', 'bw', 'assign', 'alice', 'ent', '{}', '', 'k0')",
        )
        .run().lastInsertRowid,
    );
    const insertJob = old.prepare(
      `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, payload_json, created_at, updated_at) VALUES (${eventId}, 'assign', 'bw', ?, 'ent', 'queued', 0, ?, '{}', 'x', 'x')`,
    );
    const first = Number(insertJob.run('alice', 1).lastInsertRowid);
    insertJob.run('alice', 2);
    const bob = Number(insertJob.run('bob', 3).lastInsertRowid);
    const heads = (db: Database.Database) => db.prepare('SELECT user_id, job_id, state, next_run_at FROM job_heads ORDER BY user_id').all();
    const before = heads(old);
    old.close();

    const store = createSqliteStore({ dataDir: temp.dir });
    const db = store.db;
    expect(heads(db)).toEqual(before);
    expect(before.map((h) => (h as { job_id: number }).job_id)).toEqual([first, bob]);
    const table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'job_heads'").get() as { sql: string };
    expect(table.sql).toMatch(/WITHOUT ROWID/);
    const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'job_heads'").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    expect(indexes.sort()).toEqual(['job_heads_job', 'job_heads_state_due']);
    const perUser = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name LIKE 'jobs_user%'").all() as Array<{ name: string }>
    ).map((r) => r.name);
    expect(perUser).toEqual(['jobs_user_state']);
    // A user's first unfinished jobs (pendingForUser, the head triggers) are found by state, without reading their ended ones.
    expect((await store.jobs.pendingForUser('alice', 10)).map((j) => j.id)).toEqual([first, first + 1]);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM jobs WHERE user_id = 'alice' AND state IN ('queued', 'running') ORDER BY id LIMIT 1")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('; ')).toMatch(/jobs_user_state \(user_id=\? AND state=\?\)/);
    // The insert trigger on jobs still writes the head of a new user, and the claim reads it.
    const [out] = await store.events.accept(
      [{ event: { kind: 'assign', template: 'bw', userId: 'carol', enterpriseId: 'ent', profile: {} }, requestId: 'r', dedupeKey: 'k' }],
      {
        duplicateWindowSeconds: 0,
      },
    );
    expect(out!.duplicate).toBe(false);
    const claimed = await store.jobs.claim({ owner: 'o', leaseMs: 60_000, limit: 10, now: Date.now() });
    expect(claimed.map((j) => j.userId).sort()).toEqual(['alice', 'bob', 'carol']);
    // 2 = MEMORY: a statement that fires a trigger keeps its journal off the disk.
    expect(db.pragma('temp_store', { simple: true })).toBe(2);
    await store.close();
    temp.cleanup();
  });
});

describe('store file permissions', () => {
  test('the store and its -wal/-shm are 0600 and a data dir it creates is 0700, whatever the umask', async () => {
    const temp = makeTempDir('impb-modes-');
    const dataDir = path.join(temp.dir, 'fresh', 'data');
    const previous = process.umask(0o000);
    try {
      const store = createSqliteStore({ dataDir });
      await store.subscribers.upsert({ userId: 'x', template: 'bw', enterpriseId: 'e', status: 'queued', isActive: true, profile: {} });
      const mode = (f: string) => fs.statSync(f).mode & 0o777;
      expect(mode(dataDir)).toBe(0o700);
      for (const suffix of ['', '-wal', '-shm']) expect([suffix, mode(path.join(dataDir, STORE_FILE_NAME + suffix))]).toEqual([suffix, 0o600]);
      await store.close();
    } finally {
      process.umask(previous);
    }
    temp.cleanup();
  });

  test('an existing store left 0644 by an earlier release is narrowed at open', async () => {
    const temp = makeTempDir('impb-modes-');
    const first = createSqliteStore({ dataDir: temp.dir });
    await first.close();
    const file = path.join(temp.dir, STORE_FILE_NAME);
    fs.chmodSync(file, 0o644);
    const store = createSqliteStore({ dataDir: temp.dir });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
    temp.cleanup();
  });
});
