// Memory with 100,000 queued jobs: the queue lives in SQLite, so the process should hold only
// the jobs in flight. Enqueue 100,000 accepted events, run the worker for a few seconds
// against the simulator, report RSS (current and peak) against the idle baseline.
'use strict';
/* global setTimeout, global */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dist = path.resolve(__dirname, '../dist');
const { createSqliteStore } = require(path.join(dist, 'store'));
const { startWebexSimulator } = require(path.join(dist, 'webex/simulator'));
const { createBenchWorker, putBenchTemplate, queueAssigns } = require('./lib/queued-users');

const JOBS = Number(process.env.BENCH_RSS_JOBS || 100000);
const mb = (bytes) => +(bytes / 1024 / 1024).toFixed(1);

async function main() {
  const token = 'bench-token-0123456789abcdef';
  const sim = await startWebexSimulator({ host: '127.0.0.1', port: 0, token, provisioningDelayMs: 5, requestLogLimit: 10 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-rss-'));
  const store = createSqliteStore({ dataDir: dir });
  await putBenchTemplate(store);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  const t0 = Date.now();
  await queueAssigns(store, JOBS, (j) => ({
    userId: `m${j}@voip`,
    profile: { firstName: 'M', lastName: String(j), email: `m${j}@example.net`, phoneNumber: `+1214555${String(j).padStart(4, '0')}` },
    rawRequest: `<BroadsoftDocument>${'x'.repeat(600)}</BroadsoftDocument>`,
  }));
  const enqueueSeconds = (Date.now() - t0) / 1000;
  const { worker, close } = createBenchWorker({ store, baseUrl: sim.baseUrl, token, connections: 16, concurrency: 32, ratePerSecond: 200 });
  await worker.start();
  await new Promise((r) => setTimeout(r, 5000));
  const pending = await store.jobs.countPending();
  const workerStats = worker.stats();
  const t1 = process.hrtime.bigint();
  await store.jobs.claim({ owner: 'bench', leaseMs: 60000, limit: 1, now: Date.now() });
  const claimMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const rss = process.memoryUsage().rss;
  const heap = process.memoryUsage().heapUsed;
  await close();
  await sim.close();
  const dbBytes = fs.statSync(store.file).size;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      queuedJobs: pending,
      jobsCompletedMeanwhile: workerStats.completed,
      baselineRssMB: mb(baseline),
      rssWithQueueMB: mb(rss),
      rssDeltaMB: mb(rss - baseline),
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
      heapUsedMB: mb(heap),
      dbFileMB: mb(dbBytes),
      enqueue100kSeconds: +enqueueSeconds.toFixed(1),
      claimWith100kQueuedMs: +claimMs.toFixed(2),
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
