// /healthz latency while the product takes one 10 MB, 100-command document (issue 12 §2).
// Spawns `node dist/main.js` of this checkout and, with BENCH_BEFORE_ROOT, of another build,
// and sends each the same document from a sender in its own process (as an AS does: the
// encryption of 10 MB is not counted against this process) in alternating rounds. This
// process samples /healthz of the product being loaded every 10 ms, each sample measured from
// its scheduled time, so a blocked event loop delays every sample due meanwhile. Prints one
// JSON line: p50 / p90 / max per round and the medians per build. BENCH_PRODUCT_NODE_ARGS
// (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to the product processes.
'use strict';
/* global setTimeout, clearTimeout, setInterval, clearInterval, Buffer, performance */
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { request } = require('undici');

const ROUNDS = Number(process.env.BENCH_HEALTHZ_ROUNDS || 3);
const LIMIT = 10 * 1024 * 1024;
const PASSWORD = 'Bench-Provisioning-1';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

// `statuses` (the default): one assign and 99 status queries; `assigns`: 100 assigns of distinct
// users, the heavier store path (100 events and jobs referencing the one stored request).
const KIND = process.env.BENCH_HEALTHZ_DOCUMENT || 'statuses';

function document(round) {
  const head = `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="${XSI}"><sessionId xmlns="">big,1,${round}</sessionId>`;
  const tail = '</BroadsoftDocument>';
  const add = (k, note) =>
    `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>big${round}-${k}@voip</userId><serviceProviderId>ent</serviceProviderId><groupId>g</groupId><firstName>B</firstName><lastName>L</lastName>${note}</command>`;
  const get = (k, note) => `<command xsi:type="UserIntegratedIMPGetRequest" xmlns=""><userId>get${round}-${k}@voip</userId>${note}</command>`;
  const rest = KIND === 'assigns' ? (k, note) => add(k + 1, note) : get;
  const room = LIMIT - 1024 - head.length - tail.length;
  const pad = Math.floor((room - add(0, '').length - 99 * rest(99, '').length) / 100) - 13;
  const note = `<note>${'p'.repeat(pad)}</note>`;
  return head + add(0, note) + Array.from({ length: 99 }, (_, k) => rest(k, note)).join('') + tail;
}

const SENDER = `
const fs = require('node:fs');
const { Agent, request } = require('undici');
const [url, file, ca, cert, key, authorization] = process.argv.slice(1);
const dispatcher = new Agent({ connect: { ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
request(url, { method: 'POST', body: fs.readFileSync(file), dispatcher, headers: { 'content-type': 'text/xml; charset=UTF-8', authorization } })
  .then(async (res) => { process.stdout.write(JSON.stringify({ status: res.statusCode, text: await res.body.text() })); await dispatcher.close(); });
`;

function startProduct(root, dir) {
  const config = path.join(dir, 'imp-bridge.yaml');
  fs.writeFileSync(
    config,
    [
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}`,
      'provisioning: { host: 127.0.0.1, port: 0, bodyLimitBytes: 10485760, requestTimeoutMs: 120000 }',
      'admin: { host: 127.0.0.1, port: 0 }',
      'logLevel: info',
      'templates:',
      `  - { name: bench, provisioningId: bench-id, package: standard, account: { username: bench-as, password: ${PASSWORD} } }`,
      '',
    ].join('\n'),
  );
  const nodeArgs = (process.env.BENCH_PRODUCT_NODE_ARGS || '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/main.js')], {
    env: { PATH: process.env.PATH, IMP_BRIDGE_CONFIG: config },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`product did not start: ${out.slice(-2000)}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const prov = lines.find((l) => l.event === 'listener.provisioning.up');
      const admin = lines.find((l) => l.event === 'listener.admin.up');
      if (prov && admin) {
        clearTimeout(timer);
        out = '';
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ root, dir, child, provisioningPort: prov.port, adminUrl: admin.url, certs: path.join(dir, 'data', 'certs') });
      }
    });
    child.once('exit', (code) => reject(new Error(`product exited ${code}: ${out.slice(-2000)}`)));
  });
}

function send(product, file) {
  const args = [
    '-e',
    SENDER,
    `https://localhost:${product.provisioningPort}/provisioning/v1/bench`,
    file,
    path.join(product.certs, 'server.crt'),
    path.join(product.certs, 'dev-client', 'client.crt'),
    path.join(product.certs, 'dev-client', 'client.key'),
    `Basic ${Buffer.from(`bench-as:${PASSWORD}`).toString('base64')}`,
  ];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: path.join(__dirname, '..'), maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    ),
  );
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function round(product, file) {
  const latencies = [];
  const pending = [];
  const started = performance.now();
  let k = 0;
  const sampler = setInterval(() => {
    for (; started + k * 10 <= performance.now(); k++) {
      const due = started + k * 10;
      pending.push(request(`${product.adminUrl}/healthz`).then(async (res) => (await res.body.text(), latencies.push(performance.now() - due))));
    }
  }, 10);
  const t0 = performance.now();
  const res = await send(product, file);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 30));
  clearInterval(sampler);
  await Promise.all(pending);
  if (res.status !== 200 || !res.text.includes('SuccessResponse') || res.text.includes('ErrorResponse'))
    throw new Error(`unexpected answer ${res.status}: ${res.text.slice(0, 500)}`);
  latencies.sort((a, b) => a - b);
  return {
    seconds: +seconds.toFixed(2),
    samples: latencies.length,
    p50: +pct(latencies, 0.5).toFixed(1),
    p90: +pct(latencies, 0.9).toFixed(1),
    max: +latencies.at(-1).toFixed(1),
  };
}

async function main() {
  const roots = { after: path.join(__dirname, '..'), ...(process.env.BENCH_BEFORE_ROOT ? { before: path.resolve(process.env.BENCH_BEFORE_ROOT) } : {}) };
  const products = {};
  const rounds = Object.fromEntries(Object.keys(roots).map((name) => [name, []]));
  try {
    for (const [name, root] of Object.entries(roots))
      products[name] = await startProduct(root, fs.mkdtempSync(path.join(os.tmpdir(), `impb-bench-healthz-${name}-`)));
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which build goes first, so neither always meets the same moment of the machine's load.
      const order = r % 2 ? Object.keys(roots).reverse() : Object.keys(roots);
      for (const name of order) {
        const file = path.join(products[name].dir, `doc-${r}.xml`);
        fs.writeFileSync(file, document(r));
        rounds[name].push(await round(products[name], file));
        fs.rmSync(file);
      }
    }
  } finally {
    for (const p of Object.values(products)) {
      p.child.kill('SIGTERM');
      await new Promise((r) => p.child.once('exit', r));
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
  }
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, rs]) => [
      name,
      { p50: median(rs.map((x) => x.p50)), p90: median(rs.map((x) => x.p90)), max: median(rs.map((x) => x.max)), worstMax: Math.max(...rs.map((x) => x.max)) },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ document: KIND, rounds, medians: summary })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
