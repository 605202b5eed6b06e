import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { certPaths } from '../../src/certs';
import type { ProvisioningEvent } from '../../src/domain';
import type { MigrationSummary } from '../../src/operations/migrate-from-sqlite';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { presentedFingerprint, waitFor } from '../certs/cert-test-kit';
import { runCliCaptured } from '../cli/cli-harness';
import { describePostgres, type PgTestContext } from '../helpers/postgres';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';
import { ACME_PASSWORD, addDocument, postDocument, templateConfig } from '../inbound/flowthrough-client';
import { storeUrl } from '../multi-instance/deployment-kit';

const TABLES = [
  'requests',
  'inbound_events',
  'jobs',
  'subscribers',
  'customers',
  'templates',
  'clusters',
  'settings',
  'audit',
  'unknown_requests',
  'webex_calls',
  'shadow_records',
];
const USERS = ['mig-1@voip.example.net', 'mig-2@voip.example.net', 'mig-3@voip.example.net'];
const QUEUED = 'mig-queued@voip.example.net';
const RUNNING = 'mig-running@voip.example.net';
const FAILED = 'mig-failed@voip.example.net';
/** A job error as versions before epoch-ms times wrote it: `at` as ISO text. */
const OLD_JOB_ERROR = { code: 'IMPB_ERR_WEBEX_REJECTED', message: 'refused by Webex', httpStatus: 400, trackingId: 'T-old', at: '2026-11-30T10:00:00.000Z' };
const FAST = { webex: { simulatorProvisioningDelayMs: 10 }, pipeline: { pollInitialMs: 20, pollMaxMs: 100, retryBaseMs: 20, idlePollMs: 50 } };
const emailOf = (user: string) => `${user.split('@')[0]}@acme.example`;
const bridgeConfig = { ...FAST, templates: [templateConfig('acme-standard', ACME_PASSWORD, { trustedEmail: true })] };

/**
 * A single-instance deployment made by the real product (a started bridge: certificates, admin
 * token, templates, provisioned users, audit, Webex calls), plus a queued job, a job left
 * running and a pre-migration-5 event written through the SQLite store afterwards.
 */
async function makeSqliteDeployment(dataDir: string): Promise<void> {
  const t = await startTestBridge(bridgeConfig, { dataDir });
  try {
    for (const user of USERS) expect((await postDocument(t, addDocument(user, `\n    <emailAddress>${emailOf(user)}</emailAddress>`))).status).toBe(200);
    await waitFor(async () => {
      const subs = await Promise.all(USERS.map((u) => t.bridge.parts.store.subscribers.get(u)));
      return subs.every((s) => s?.status === 'provisioned') || undefined;
    }, 20_000).catch(async (err) => {
      console.log(JSON.stringify(await t.bridge.parts.store.jobs.list({ limit: 20 })), JSON.stringify(await t.bridge.parts.store.subscribers.list({})));
      throw err;
    });
  } finally {
    await t.stop();
  }
  const store = createSqliteStore({ dataDir });
  try {
    const first = (await store.events.get(1))!;
    const { id: _id, requestId: _r, receivedAt: _at, rawRequest: _raw, dedupeKey: _d, ...rest } = first as unknown as Record<string, unknown>;
    const event = rest as unknown as ProvisioningEvent;
    const accept = (user: string) =>
      store.events.accept(
        [
          {
            event: { ...event, userId: user, profile: { ...event.profile, email: emailOf(user) } },
            requestId: `req-${user}`,
            dedupeKey: user,
          },
        ],
        {
          duplicateWindowSeconds: 0,
          // The document, large enough that the SQLite store keeps it deflated (stored-text.ts): the copy must inflate it.
          rawRequest: `<doc ${user}>${'<pad>imp-bridge</pad>'.repeat(16_000)}</doc>`,
        },
      );
    // Left running by the stopped instance (a lease it will never finish), and one still queued.
    await accept(RUNNING);
    const claimed = await store.jobs.claim({ owner: 'old-instance', leaseMs: 600_000, limit: 10, now: Date.now() });
    expect(claimed.map((c) => c.userId)).toEqual([RUNNING]);
    await accept(QUEUED);
    await accept(FAILED);
    store.db.prepare("UPDATE jobs SET state = 'failed', last_error_json = ? WHERE user_id = ?").run(JSON.stringify(OLD_JOB_ERROR), FAILED);
    await store.clusters.put({
      name: 'as-east',
      description: 'east',
      hosts: ['as1.east.example.net'],
      identityRules: { subjectCn: [], san: [], fingerprints: [] },
      sourceAddresses: [],
    } as never);
    await store.customers.upsert({ enterpriseId: 'acme-ws', template: 'acme-standard', status: 'created', webexCustomerId: 'cust-1', createdByBridge: true });
    await store.audit.append({ actor: 'operator', entityType: 'template', entityId: 'acme-standard', action: 'edit', detail: 'before the move' });
    store.db
      .prepare(
        `INSERT INTO inbound_events (received_at, request_id, template, kind, user_id, enterprise_id, event_json, raw_request, dedupe_key) VALUES (?, 'legacy-req', 'acme-standard', 'assign', 'legacy@voip.example.net', 'acme', '{}', '<legacy request/>', 'legacy')`,
      )
      .run(new Date().toISOString());
  } finally {
    await store.close();
  }
}

const sqliteCount = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describePostgres('imp-bridge store migrate-from-sqlite', (pg: PgTestContext) => {
  const saved = { ...process.env };
  const temp = makeTempDir();
  const dataDir = path.join(temp.dir, 'single');
  const file = path.join(dataDir, 'imp-bridge.sqlite');
  let url: string;
  let target: PostgresStore;
  const migrate = (...args: string[]) => runCliCaptured('store', 'migrate-from-sqlite', file, '--to', url, ...args);
  const pgCount = async (table: string) => Number((await target.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  beforeAll(async () => {
    url = storeUrl(pg);
    const empty = path.join(temp.dir, 'empty.yaml');
    fs.writeFileSync(empty, '');
    process.env.IMP_BRIDGE_CONFIG = empty;
    delete process.env.IMP_BRIDGE_DATABASE_URL;
    delete process.env.IMP_BRIDGE_STORE_KIND;
    await makeSqliteDeployment(dataDir);
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await target?.close();
    temp.cleanup();
  });

  it('--dry-run counts what it would copy and writes nothing (not even the schema)', async () => {
    const r = await migrate('--dry-run', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as MigrationSummary;
    expect(s.dryRun).toBe(true);
    for (const t of s.tables) expect(t.copied).toBe(t.source);
    expect(s.certificates.outcome).toBe('published');
    const [row] = await pg.adminQuery<{ found: string | null }>(`SELECT to_regclass('${pg.schema}.jobs')::text AS found`);
    expect(row!.found).toBeNull();
  });

  it('copies every table with its ids, the certificates and the admin token, with a line per table on stderr', async () => {
    const started = Date.now();
    const r = await migrate('--batch-size', '2');
    console.log(`first migration run (batches of 2 rows): ${Date.now() - started} ms`);
    expect(r.code).toBe(0);
    for (const table of TABLES) expect(r.err).toMatch(new RegExp(`^${table}: \\d+ of \\d+ copied, 0 already present`, 'm'));
    expect(r.out).toContain('certificates: published');
    expect(r.out).toContain('admin token: published');
    target = await createPostgresStore({ pool: pg.createPool(), schema: pg.schema, logger: pg.logger });
    for (const table of TABLES) expect({ table, n: await pgCount(table) }).toEqual({ table, n: sqliteCount(file, table) + (table === 'requests' ? 1 : 0) });
    // A new row gets an id after the copied ones.
    const maxEvent = Number((await target.pool.query<{ m: string }>('SELECT max(id) AS m FROM inbound_events')).rows[0]!.m);
    const next = Number((await target.pool.query<{ n: string }>(`SELECT nextval(pg_get_serial_sequence('inbound_events', 'id')) AS n`)).rows[0]!.n);
    expect(next).toBeGreaterThan(maxEvent);
  });

  it('the PostgreSQL store port reads the same records: subscribers, jobs, templates, clusters, customers, audit, events', async () => {
    const source = createSqliteStore({ dataDir, readonly: true });
    try {
      for (const user of USERS) expect(await target.subscribers.get(user)).toEqual(await source.subscribers.get(user));
      const jobs = async (s: SqliteStore | PostgresStore) =>
        (await s.jobs.list({ state: ['queued', 'running', 'done', 'polling', 'retry_wait', 'failed'], limit: 100 })).map((j) => ({
          id: j.id,
          state: j.state,
          userId: j.userId,
        }));
      expect(await jobs(target)).toEqual(await jobs(source));
      // An error written with an ISO time reads back with the same epoch ms from both stores.
      const [failed] = await target.jobs.list({ userId: FAILED });
      expect(failed!.lastError).toEqual({ ...OLD_JOB_ERROR, at: Date.parse(OLD_JOB_ERROR.at) });
      expect(failed!.lastError).toEqual((await source.jobs.list({ userId: FAILED }))[0]!.lastError);
      expect(await target.templates.list()).toEqual(await source.templates.list());
      expect(await target.clusters.list()).toEqual(await source.clusters.list());
      expect(await target.customers.get('acme-ws')).toEqual(await source.customers.get('acme-ws'));
      expect(await target.audit.list({ limit: 500 })).toEqual(await source.audit.list({ limit: 500 }));
      expect(await target.events.get(1)).toEqual(await source.events.get(1));
      const legacy = (await source.events.listForUser('legacy@voip.example.net'))[0]!;
      expect((await target.events.get(legacy.id))!.rawRequest).toBe('<legacy request/>');
      const large = await source.events.listForUser(RUNNING);
      expect(large[0]!.rawRequest.length).toBeGreaterThan(256 * 1024);
      expect(await target.events.listForUser(RUNNING)).toEqual(large);
      expect(await target.webexCalls.list({ userId: USERS[0] })).toEqual(await source.webexCalls.list({ userId: USERS[0] }));
    } finally {
      await source.close();
    }
    // The job left running arrives claimable: no lease, due at once, looked up first.
    const lane = (await target.pool.query('SELECT l.*, j.lookup_first FROM lanes l JOIN jobs j ON j.id = l.head_job_id WHERE l.user_id = $1', [RUNNING]))
      .rows[0];
    expect(lane).toMatchObject({ state: 'running', rank: 1, due_at: '0', lease_token: null, lookup_first: true });
    expect((await target.pool.query('SELECT count(*)::int AS n FROM jobs WHERE lease_token IS NOT NULL')).rows[0].n).toBe(0);
  });

  it('a second run copies nothing and says what it skipped', async () => {
    const r = await migrate('--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as MigrationSummary;
    expect(s.totals.copied).toBe(0);
    expect(s.totals.present).toBe(s.totals.source);
    for (const t of s.tables) expect(t).toMatchObject({ copied: 0, present: t.source, differing: 0 });
    expect(s.certificates.outcome).toBe('already present');
    expect(s.adminToken.outcome).toBe('already present');
    expect(r.err).toMatch(/→ PostgreSQL: 0 rows copied, \d+ already present/);
  });

  it("refuses another deployment's row under one of the file's ids (exit 1, nothing more copied); once mended, the next run completes", async () => {
    const lastAudit = Number((await target.pool.query<{ m: string }>('SELECT max(id) AS m FROM audit')).rows[0]!.m);
    await target.pool.query('DELETE FROM audit WHERE id = $1', [lastAudit]);
    await target.pool.query("UPDATE inbound_events SET request_id = 'another-deployment' WHERE id = 1");
    const r = await migrate();
    expect(r.code).toBe(1);
    expect(r.err).toContain("inbound_events id 1 in PostgreSQL is another deployment's row (request_id");
    expect(await pgCount('audit')).toBe(sqliteCount(file, 'audit') - 1);

    const original = new Database(file, { readonly: true }).prepare('SELECT request_id FROM inbound_events WHERE id = 1').get() as { request_id: string };
    await target.pool.query('UPDATE inbound_events SET request_id = $1 WHERE id = 1', [original.request_id]);
    const again = await migrate('--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as MigrationSummary).tables.find((t) => t.table === 'audit')).toMatchObject({ copied: 1 });
  });

  it("keeps the database's certificates when it has others, unless --replace-certificates (then the next version)", async () => {
    const version = async () => (await target.pool.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state')).rows[0]!;
    const before = await version();
    await target.pool.query("UPDATE certificate_state SET digest = 'another-deployment-digest'");
    const kept = await migrate();
    expect(kept.code).toBe(0);
    expect(kept.out).toContain("certificates: kept the database's: the database already has the deployment's certificates (version 1)");
    expect((await version()).digest).toBe('another-deployment-digest');
    const replaced = await migrate('--replace-certificates');
    expect(replaced.code).toBe(0);
    expect(replaced.out).toContain('certificates: replaced');
    expect(await version()).toEqual({ version: String(Number(before.version) + 1), digest: before.digest });
  });

  it('bad input exits 2 with the fix: no target, not a store, not a postgres URL, a missing file', async () => {
    const noTarget = await runCliCaptured('store', 'migrate-from-sqlite', file);
    expect(noTarget.code).toBe(2);
    expect(noTarget.err).toContain('no PostgreSQL to copy into: set store.postgres.url');
    const text = path.join(temp.dir, 'notes.txt');
    fs.writeFileSync(text, 'not a database at all, just some text that is long enough to be read as a header\n'.repeat(20));
    const notDb = await runCliCaptured('store', 'migrate-from-sqlite', text, '--to', url);
    expect(notDb.code).toBe(2);
    expect(notDb.err).toContain('is not an imp-bridge SQLite store');
    const other = path.join(temp.dir, 'other.sqlite');
    new Database(other).exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
    const notOurs = await runCliCaptured('store', 'migrate-from-sqlite', other, '--to', url);
    expect(notOurs.code).toBe(2);
    expect(notOurs.err).toContain('is not an imp-bridge SQLite store');
    const badUrl = await runCliCaptured('store', 'migrate-from-sqlite', file, '--to', 'mysql://db/x');
    expect(badUrl.code).toBe(2);
    const missing = await runCliCaptured('store', 'migrate-from-sqlite', path.join(temp.dir, 'nope.sqlite'), '--to', url);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such file');
  });

  it('a PostgreSQL bridge started on the migrated schema serves the same server certificate, keeps the admin token and provisions the queued job', async () => {
    let t: TestBridge | undefined;
    try {
      t = await startTestBridge({ ...bridgeConfig, store: { kind: 'postgres', postgres: { url } } }, { dataDir: path.join(temp.dir, 'instance-a') });
      const single = new X509Certificate(fs.readFileSync(certPaths(dataDir).serverCert)).fingerprint256.replace(/:/g, '').toLowerCase();
      expect(await presentedFingerprint(t, readDevClient(dataDir))).toBe(single);
      expect(fs.readFileSync(path.join(t.dataDir, 'admin-token'), 'utf8').trim()).toBe(fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim());
      const started = Date.now();
      const sub = await waitFor(async () => {
        const s = await t!.bridge.parts.store.subscribers.get(QUEUED);
        return s?.status === 'provisioned' ? s : undefined;
      }, 20_000);
      console.log(`queued job copied from SQLite provisioned by the PostgreSQL instance after ${Date.now() - started} ms`);
      expect(sub.userId).toBe(QUEUED);
      // The job the single instance left running is taken over too.
      await waitFor(async () => ((await t!.bridge.parts.store.subscribers.get(RUNNING))?.status === 'provisioned' ? true : undefined), 20_000);
    } finally {
      await t?.stop();
    }
  }, 60_000);
});
