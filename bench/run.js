// `npm run bench`: ratio benchmarks, each in its own process (clean RSS, no shared JIT state),
// one run, bounded in time. Prints each result and a summary of the ratios.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const benches = [
  { name: 'ingest', file: 'ingest.js', timeoutMs: 90_000 },
  { name: 'floor', file: 'ingest-floor.js', timeoutMs: 120_000 },
  { name: 'budget', file: 'ingest-budget.js', timeoutMs: 120_000 },
  { name: 'store', file: 'ingest-store.js', timeoutMs: 60_000 },
  { name: 'drain', file: 'drain.js', timeoutMs: 170_000 },
  { name: 'rss', file: 'rss.js', timeoutMs: 60_000 },
  { name: 'large', file: 'large-bodies.js', timeoutMs: 180_000 },
  { name: 'healthz', file: 'large-document-healthz.js', timeoutMs: 180_000 },
  { name: 'pg', file: 'pg-store.js', timeoutMs: 240_000 },
  { name: 'instances', file: 'drain-instances.js', timeoutMs: 900_000 },
];

const results = {};
let failed = false;
for (const b of benches) {
  const started = Date.now();
  const out = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, b.file)], { encoding: 'utf8', timeout: b.timeoutMs, env: process.env });
  const line = (out.stdout || '').trim().split('\n').pop();
  if (out.status !== 0 || !line) {
    failed = true;
    process.stdout.write(`${b.name}: FAILED (${out.signal ?? out.status}) ${(out.stderr || '').slice(0, 2000)}\n`);
    continue;
  }
  results[b.name] = JSON.parse(line);
  process.stdout.write(`${b.name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${line}\n`);
}

const r = results;
process.stdout.write('\nsummary (ratios measured in this run)\n');
if (r.ingest) {
  process.stdout.write(
    `  durable ingest / bare mTLS server:      ${r.ingest.durableVsBareRatio}  (${r.ingest.durableMtlsPerSecond} vs ${r.ingest.bareMtlsPerSecond} req/s)\n`,
  );
  process.stdout.write(
    `  whole product endpoint / bare mTLS:     ${r.ingest.productVsBareRatio}  (${r.ingest.productMtlsPerSecond} req/s: auth, XML, dialect, durable accept)\n`,
  );
  process.stdout.write(
    `  group commit / one commit per request:  ${r.ingest.groupCommitRatio}  (${r.ingest.requestsPerCommitUnderLoad} requests per fsync under mTLS load)\n`,
  );
}
if (r.floor) {
  process.stdout.write(
    `  product endpoint / ingest floor, rate:  ${r.floor.rateRatio}  (${r.floor.product.perSecond} vs ${r.floor.floor.perSecond} req/s, ${r.floor.connections} kept-alive mTLS connections, client in its own process)\n`,
  );
  process.stdout.write(`  product endpoint / ingest floor, p99:   ${r.floor.p99Ratio}  (${r.floor.product.p99Ms} vs ${r.floor.floor.p99Ms} ms)\n`);
}
if (r.budget) {
  const steps = r.budget.ladder.map((s) => `${s.step} ${s.addsUs === null ? s.mainThreadUsPerRequest : `${s.addsUs >= 0 ? '+' : ''}${s.addsUs}`}`).join(', ');
  process.stdout.write(
    `  product's time over the floor / 0.8 target's headroom: ${r.budget.spentOfBudget}  (${r.budget.spentUs} vs ${r.budget.budgetUs} µs per request; main-thread µs by step: ${steps})\n`,
  );
}
if (r.store)
  process.stdout.write(
    `  store write / floor's one-row insert:   ${r.store.cpuRatio} CPU, ${r.store.bytesWrittenRatio} bytes written  (${r.store.product.cpuUsPerEvent} vs ${r.store.floor.cpuUsPerEvent} µs, ${r.store.product.bytesWrittenPerEvent} vs ${r.store.floor.bytesWrittenPerEvent} B per event)\n`,
  );
if (r.drain)
  process.stdout.write(
    `  drain rate / simulator's allowed rate:  ${r.drain.drainRatio}  (${r.drain.acceptedCallsPerSecond} of ${r.drain.allowedCallsPerSecond} calls/s, ${r.drain.usersDone}/${r.drain.users} users, ${r.drain.rateLimited429} x 429)\n`,
  );
if (r.rss)
  process.stdout.write(
    `  RSS with ${r.rss.queuedJobs} queued jobs:            ${r.rss.rssWithQueueMB} MB (baseline ${r.rss.baselineRssMB} MB, +${r.rss.rssDeltaMB} MB; peak ${r.rss.peakRssMB} MB)\n`,
  );
if (r.large) {
  for (const [kind, round] of Object.entries(r.large.rounds))
    process.stdout.write(
      `  ${r.large.concurrent} x 10 MB ${kind}:`.padEnd(41) +
        `peak RSS ${round.peakRssMB} MB (baseline ${r.large.baselineRssMB} MB), answers ${round.answers}, healthz median ${round.healthzMedianMs} ms\n`,
    );
}
if (r.healthz) {
  const m = r.healthz.medians.after;
  process.stdout.write(
    `  /healthz during a 10 MB document:       p50 ${m.p50} / p90 ${m.p90} / max ${m.max} ms (medians of ${r.healthz.rounds.after.length} rounds)\n`,
  );
}
if (r.pg) {
  process.stdout.write(
    `  PostgreSQL / SQLite ingest, 1 instance:  ${r.pg.pgVsSqliteIngestRatio}  (${r.pg.pgAcceptsPerSecond} vs ${r.pg.sqliteAcceptsPerSecond} accepts/s, ${r.pg.concurrency} concurrent)\n`,
  );
  process.stdout.write(
    `  PG shared commits / one at a time:      ${r.pg.pgGroupCommitRatio}  (${r.pg.pgAcceptsPerCommit} accepts per commit vs ${r.pg.pgSequentialAcceptsPerSecond} accepts/s sequential)\n`,
  );
  process.stdout.write(
    `  claim of 10, ${r.pg.queuedJobs} queued, PG / SQLite:  ${r.pg.pgVsSqliteClaimMedianRatio}  (median ${r.pg.pgClaim.medianMs} vs ${r.pg.sqliteClaim.medianMs} ms, p99 ${r.pg.pgClaim.p99Ms} vs ${r.pg.sqliteClaim.p99Ms} ms)\n`,
  );
}
if (r.instances) {
  for (const n of [1, 3]) {
    const run = r.instances.runs[n];
    if (!run) continue;
    process.stdout.write(
      `  drain, ${n} instance${n > 1 ? 's' : ' '} on PostgreSQL / allowed: ${run.drainRatio}  (${run.acceptedCallsPerSecond} of ${r.instances.allowedCallsPerSecond} calls/s summed, ${run.usersDone}/${run.users} users, 429 share ${run.share429}, ${run.duplicateCreates} duplicate creates)\n`,
    );
  }
}
process.exit(failed ? 1 : 0);
