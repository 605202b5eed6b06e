// Drain rate: 10,000 queued users provisioned against the simulator, which allows
// ALLOWED calls per second (more get 429). Ratio = Webex calls per second achieved / allowed.
// The simulator runs in its own process (`imp-bridge simulate-webex`), as Webex is remote: in
// one process the two share one thread and the ratio measures the machine, not the limiter.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dist = path.resolve(__dirname, '../dist');
const { createSqliteStore } = require(path.join(dist, 'store'));
const { startSimulatorProcess } = require('./simulator-process');
const { createBenchWorker, putBenchTemplate, queueAssigns } = require('./lib/queued-users');

const USERS = Number(process.env.BENCH_DRAIN_USERS || 10000);
const ALLOWED = Number(process.env.BENCH_DRAIN_ALLOWED || 500);
const LIMIT_MS = Number(process.env.BENCH_DRAIN_LIMIT_MS || 150000);

async function main() {
  const token = 'bench-token-0123456789abcdef';
  const sim = await startSimulatorProcess(token, Number(process.env.BENCH_DRAIN_SIM_LIMIT || ALLOWED));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-drain-'));
  const store = createSqliteStore({ dataDir: dir });
  await putBenchTemplate(store);
  await queueAssigns(store, USERS, (j) => ({ userId: `d${j}@voip`, profile: { firstName: 'D', lastName: String(j), email: `d${j}@example.net` } }));
  const { worker, limiter, close } = createBenchWorker({ store, baseUrl: sim.baseUrl, token, connections: 64, concurrency: 64, ratePerSecond: ALLOWED });
  const startRequests = (await sim.stats()).requests;
  const t0 = Date.now();
  await worker.start();
  let timedOut = false;
  await worker.whenIdle({ includeFuture: true, timeoutMs: LIMIT_MS }).catch(() => (timedOut = true));
  const seconds = (Date.now() - t0) / 1000;
  const stats = await sim.stats();
  const done = (await store.jobs.countByState()).done || 0;
  await close();
  await sim.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const calls = stats.requests - startRequests;
  process.stdout.write(
    JSON.stringify({
      users: USERS,
      usersDone: done,
      timedOut,
      seconds: +seconds.toFixed(1),
      allowedCallsPerSecond: ALLOWED,
      webexCallsPerSecond: +(calls / seconds).toFixed(1),
      acceptedCallsPerSecond: +((calls - stats.rateLimited) / seconds).toFixed(1),
      drainRatio: +((calls - stats.rateLimited) / seconds / ALLOWED).toFixed(3),
      usersPerSecond: +(done / seconds).toFixed(1),
      rateLimited429: stats.rateLimited,
      limiterHalvings: limiter.decreases(),
      duplicateCreates: stats.duplicateCreates,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
