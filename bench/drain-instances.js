// Drain with 1 and with 3 instances of the product (dist/main.js, store.kind: postgres, one fresh
// schema per run, dropped after) against `imp-bridge simulate-webex` in its own process, which
// answers 429 above ALLOWED calls in any sliding second. pipeline.ratePerSecond is ALLOWED too:
// the deployment's limit, one token bucket in PostgreSQL shared by the instances.
//
// The instances start on an empty queue; then USERS assigns are queued through the store port
// (events.accept in batches, as the flow-through endpoint commits them: event, job and lane in
// one transaction, with the NOTIFY that wakes the workers), so every instance drains from the
// first job on. The clock runs from the first accept until every job is done.
// Ratios: accepted Webex calls per second, summed over the instances, / ALLOWED; 429s / calls;
// duplicate creates (creates for a user the simulator had already created, as it counts them).
'use strict';
/* global setTimeout, clearTimeout */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');
const { startSimulatorProcess } = require('./simulator-process');
const { queueAssigns } = require('./lib/queued-users');
const dist = path.resolve(__dirname, '../dist');
const { createPostgresStore } = require(path.join(dist, 'store/postgres'));
const { createSilentLogger } = require(path.join(dist, 'observability'));

const DATABASE_URL = process.env.IMP_BRIDGE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const USERS = Number(process.env.BENCH_DI_USERS || 10000);
const ALLOWED = Number(process.env.BENCH_DI_ALLOWED || 200);
const COUNTS = (process.env.BENCH_DI_INSTANCES || '1,3').split(',').map(Number);
const LIMIT_MS = Number(process.env.BENCH_DI_LIMIT_MS || 300000);
const TOKEN = 'bench-token-0123456789abcdef';
/** The pipeline as drain.js runs it (fast polls against a simulator that provisions in 5 ms). */
const PIPELINE = {
  concurrency: Number(process.env.BENCH_DI_CONCURRENCY || 64),
  ratePerSecond: ALLOWED,
  pollInitialMs: 20,
  pollMaxMs: 1000,
  retryBaseMs: 200,
  retryMaxMs: 5000,
  idlePollMs: 200,
  leaseMs: 30000,
  ...JSON.parse(process.env.BENCH_DI_PIPELINE || '{}'),
};

function withSchema(url, schema) {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

function writeConfig(root, name, schema, sim) {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      dataDir: path.join(dir, 'data'),
      logLevel: 'info',
      logFormat: 'json',
      provisioning: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0, token: 'bench-admin-token-0123456789' },
      store: { kind: 'postgres', postgres: { url: withSchema(DATABASE_URL, schema), poolSize: Number(process.env.BENCH_DI_POOL || 10) } },
      webex: { baseUrl: sim.baseUrl, token: sim.token },
      pipeline: PIPELINE,
      templates: [{ name: 'bench', provisioningId: 'P', package: 'standard', account: { username: 'bench-as', password: 'bench-pass-123' } }],
    }),
  );
  return file;
}

/** The product as an operator runs it; resolves once its admin listener is up. Counts its provisioned subscribers from its log. */
function startInstance(configFile, name) {
  const child = spawn(process.execPath, [path.join(dist, 'main.js')], {
    env: { ...process.env, IMP_BRIDGE_CONFIG: configFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance = { name, child, provisioned: 0, warnings: [] };
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(String(code ?? signal))));
  instance.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  let buffer = '';
  let tail = '';
  child.stderr.on('data', (d) => (tail = (tail + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start within 60 s: ${tail}`)), 60000);
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        tail = (tail + line + '\n').slice(-4000);
        if (line.includes('"pipeline.subscriber.provisioned"')) instance.provisioned++;
        else if (line.includes('"level":"warn"') || line.includes('"level":"error"')) instance.warnings.push(line.slice(0, 300));
        else if (line.includes('listener.admin.up')) {
          clearTimeout(timer);
          resolve(instance);
        }
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited (${how}) before it was up: ${tail}`));
    });
  });
}

function queueUsers(store, runId) {
  const user = (j) => ({
    userId: `${runId}-${j}@voip`,
    profile: { firstName: 'D', lastName: String(j), email: `d${j}@example.net` },
    dedupeKey: `k${runId}${j}`,
  });
  return queueAssigns(store, USERS, user, 500);
}

async function run(count, admin) {
  const schema = `impb_bench_${randomBytes(4).toString('hex')}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-di-'));
  await admin.query(`CREATE SCHEMA ${schema}`);
  const sim = await startSimulatorProcess(TOKEN, Number(process.env.BENCH_DI_SIM_LIMIT || ALLOWED), 5);
  const instances = [];
  let store;
  try {
    // The first instance makes the deployment (certificates, token); the others join it together.
    instances.push(await startInstance(writeConfig(root, 'i0', schema, sim), 'i0'));
    const rest = Array.from({ length: count - 1 }, (_, k) => `i${k + 1}`);
    instances.push(...(await Promise.all(rest.map((n) => startInstance(writeConfig(root, n, schema, sim), n)))));
    store = await createPostgresStore({ url: DATABASE_URL, schema, logger: createSilentLogger(), poolSize: 4 });
    const before = await sim.stats();
    const t0 = Date.now();
    await queueUsers(store, schema);
    const queuedMs = Date.now() - t0;
    let done = 0;
    let timedOut = false;
    for (;;) {
      done = (await store.jobs.countByState()).done || 0;
      if (done >= USERS) break;
      if (Date.now() - t0 > LIMIT_MS) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - t0) / 1000;
    const after = await sim.stats();
    const calls = after.requests - before.requests;
    const limited = after.rateLimited - before.rateLimited;
    return {
      instances: count,
      users: USERS,
      usersDone: done,
      timedOut,
      seconds: +seconds.toFixed(1),
      queuedInMs: queuedMs,
      webexCalls: calls,
      callsPerUser: +(calls / Math.max(1, done)).toFixed(2),
      acceptedCallsPerSecond: +((calls - limited) / seconds).toFixed(1),
      drainRatio: +((calls - limited) / seconds / ALLOWED).toFixed(3),
      rateLimited429: limited,
      share429: +(limited / Math.max(1, calls)).toFixed(4),
      // Counted by the simulator (a create for a user it had created): creates minus users done would count a run cut short.
      duplicateCreates: after.duplicateCreates - before.duplicateCreates,
      provisionedPerInstance: instances.map((i) => i.provisioned),
      warnings: instances.flatMap((i) => i.warnings).slice(0, 5),
    };
  } finally {
    await store?.close().catch(() => undefined);
    await Promise.all(instances.map((i) => i.stop()));
    await sim.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const runs = {};
  try {
    for (const count of COUNTS) {
      runs[count] = await run(count, admin);
      process.stderr.write(`drain-instances ${count}: ${JSON.stringify(runs[count])}\n`);
    }
  } finally {
    await admin.end();
  }
  const ratio = (c) => runs[c] && runs[c].drainRatio;
  process.stdout.write(
    JSON.stringify({
      users: USERS,
      allowedCallsPerSecond: ALLOWED,
      goal: { drainRatioAtLeast: 0.95, share429Below: 0.01 },
      drainRatio1: ratio(1),
      drainRatio3: ratio(3),
      share429_1: runs[1] && runs[1].share429,
      share429_3: runs[3] && runs[3].share429,
      duplicateCreates1: runs[1] && runs[1].duplicateCreates,
      duplicateCreates3: runs[3] && runs[3].duplicateCreates,
      runs,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
