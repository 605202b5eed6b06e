// PostgreSQL store (issue 14), one instance, store level, one run: ingest rate on PostgreSQL vs
// SQLite (concurrent accept calls share commits), the group-commit effect on PostgreSQL
// (concurrent vs one accept at a time), and claim latency with 100,000 queued jobs (PG vs
// SQLite). Needs IMP_BRIDGE_TEST_DATABASE_URL (default the machine's PostgreSQL); it works in a
// schema of its own and drops it. Prints one JSON line last.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');
const dist = path.resolve(__dirname, '../dist');
const { createSqliteStore } = require(path.join(dist, 'store'));
const { createPostgresStore } = require(path.join(dist, 'store/postgres'));
const { createSilentLogger } = require(path.join(dist, 'observability'));

const URL = process.env.IMP_BRIDGE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ACCEPTS = Number(process.env.BENCH_PG_ACCEPTS || 3000);
const CONCURRENCY = Number(process.env.BENCH_PG_CONCURRENCY || 64);
const QUEUED = Number(process.env.BENCH_PG_QUEUED || 100000);
const CLAIMS = Number(process.env.BENCH_PG_CLAIMS || 200);

const input = (i, tag) => ({
  event: { kind: 'assign', template: 'bench', userId: `${tag}-u${i}@voip`, enterpriseId: 'ent', profile: { firstName: 'A', lastName: String(i) } },
  requestId: `${tag}-${i}`,
  rawRequest: `<BroadsoftDocument>${tag}-${i}</BroadsoftDocument>`,
  dedupeKey: `${tag}-${i}`,
});

/** `count` accept calls, `concurrency` in flight at a time; returns calls per second. */
async function ingest(store, count, concurrency, tag) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await store.events.accept([input(next++, tag)], { duplicateWindowSeconds: 300 });
    }),
  );
  return Math.round(count / (Number(process.hrtime.bigint() - started) / 1e9));
}

async function seed(store, n) {
  for (let i = 0; i < n; i += 1000)
    await store.events.accept(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => input(i + k, 'q')),
      { duplicateWindowSeconds: 0, rawRequest: '<BroadsoftDocument/>' },
    );
}

/** Claim 10 and release them to the back of the due order, CLAIMS times: the latencies of the claims, ms. */
async function claimLatency(store) {
  const times = [];
  let now = Date.now();
  for (let i = 0; i < CLAIMS; i++) {
    const t0 = process.hrtime.bigint();
    const jobs = await store.jobs.claim({ owner: 'bench', leaseMs: 60_000, limit: 10, now });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (jobs.length !== 10) throw new Error(`claimed ${jobs.length} of 10`);
    now += 1;
    for (const j of jobs) await store.jobs.release(j.lease, { to: 'retry_wait', nextRunAt: now + 3_600_000, now });
  }
  times.sort((a, b) => a - b);
  const at = (q) => +times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}

async function main() {
  const logger = createSilentLogger();
  const schema = `impb_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-pg-'));
  const pg = await createPostgresStore({ url: URL, schema, logger, poolSize: 8, statementTimeoutMs: 60_000 });
  const sqlite = createSqliteStore({ dataDir: dir });
  try {
    const sqliteRate = await ingest(sqlite, ACCEPTS, CONCURRENCY, 's');
    const pgRate = await ingest(pg, ACCEPTS, CONCURRENCY, 'p');
    const pgStats = pg.events.commitStats();
    const pgSequential = await ingest(pg, Math.min(ACCEPTS, 1000), 1, 'p1');
    await seed(sqlite, QUEUED);
    await seed(pg, QUEUED);
    const sqliteClaim = await claimLatency(sqlite);
    const pgClaim = await claimLatency(pg);
    process.stdout.write(
      `${JSON.stringify({
        accepts: ACCEPTS,
        concurrency: CONCURRENCY,
        pgAcceptsPerSecond: pgRate,
        sqliteAcceptsPerSecond: sqliteRate,
        pgVsSqliteIngestRatio: +(pgRate / sqliteRate).toFixed(2),
        pgAcceptsPerCommit: +(pgStats.accepted / pgStats.commits).toFixed(1),
        pgSequentialAcceptsPerSecond: pgSequential,
        pgGroupCommitRatio: +(pgRate / pgSequential).toFixed(2),
        queuedJobs: QUEUED,
        pgClaim,
        sqliteClaim,
        pgVsSqliteClaimMedianRatio: +(pgClaim.medianMs / sqliteClaim.medianMs).toFixed(2),
      })}\n`,
    );
  } finally {
    await pg.close();
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
