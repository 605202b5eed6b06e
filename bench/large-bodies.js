// Peak RSS of the product under 8 concurrent worst-case 10 MB bodies over mTLS (issue 12 §3).
// Spawns `node dist/main.js` (BENCH_PRODUCT_ROOT selects another checkout's build, for a
// before/after), sends each kind of body 8 at a time from this process, and samples the
// child's RSS from /proc every 20 ms; VmHWM gives the kernel's own peak. Also samples
// /healthz latency during each round. Prints one JSON line.
'use strict';
/* global setTimeout, clearTimeout, setInterval, clearInterval, Buffer, performance */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Agent, request } = require('undici');

const ROOT = path.resolve(process.env.BENCH_PRODUCT_ROOT || path.join(__dirname, '..'));
const CONCURRENT = Number(process.env.BENCH_LARGE_CONCURRENT || 8);
const LIMIT = 10 * 1024 * 1024;
const PASSWORD = 'Bench-Provisioning-1';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const head = `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="${XSI}"><sessionId xmlns="">bench,1,1</sessionId>`;
const tail = '</BroadsoftDocument>';
const room = LIMIT - head.length - tail.length - 64;

function maxCommands(i) {
  const add = (note) =>
    `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>big${i}@voip</userId><serviceProviderId>ent</serviceProviderId><groupId>g</groupId><firstName>B</firstName><lastName>L</lastName>${note}</command>`;
  const get = (k, note) => `<command xsi:type="UserIntegratedIMPGetRequest" xmlns=""><userId>get${i}-${k}@voip</userId>${note}</command>`;
  const pad = Math.floor((room - add('').length - 99 * get(99, '').length) / 100) - 13;
  const note = `<note>${'p'.repeat(pad)}</note>`;
  return head + add(note) + Array.from({ length: 99 }, (_, k) => get(k, note)).join('') + tail;
}

const KINDS = {
  // The issue's two cases: 1e6+ tiny elements, and one multi-megabyte tag name.
  tinyElements: () => head + '<a/>'.repeat(Math.floor(room / 4)) + tail,
  longTagName: () => `${head}<${'n'.repeat(room - 3)}/>${tail}`,
  // The largest document the dialect accepts: 100 commands (one add, 99 status queries).
  maxCommands,
};

const mb = (kb) => +(kb / 1024).toFixed(1);
function statusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function startProduct(dir) {
  const config = path.join(dir, 'imp-bridge.yaml');
  fs.writeFileSync(
    config,
    [
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}`,
      'provisioning: { host: 127.0.0.1, port: 0, bodyLimitBytes: 10485760, requestTimeoutMs: 120000 }',
      'admin: { host: 127.0.0.1, port: 0 }',
      'templates:',
      `  - { name: bench, provisioningId: bench-id, package: standard, account: { username: bench-as, password: ${PASSWORD} } }`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/main.js')], {
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
        resolve({ child, provisioningPort: prov.port, adminUrl: admin.url });
      }
    });
    child.once('exit', (code) => reject(new Error(`product exited ${code}: ${out.slice(-2000)}`)));
  });
}

async function round(product, agent, kind) {
  const bodies = Array.from({ length: CONCURRENT }, (_, i) => Buffer.from(KINDS[kind](i)));
  const pid = product.child.pid;
  let peak = statusKb(pid, 'VmRSS');
  const sampler = setInterval(() => (peak = Math.max(peak, statusKb(pid, 'VmRSS'))), 20);
  const latencies = [];
  let done = false;
  const health = (async () => {
    while (!done) {
      const t0 = performance.now();
      const res = await request(`${product.adminUrl}/healthz`);
      await res.body.text();
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const t0 = Date.now();
  const auth = `Basic ${Buffer.from(`bench-as:${PASSWORD}`).toString('base64')}`;
  const results = await Promise.all(
    bodies.map(async (body) => {
      const res = await request(`https://localhost:${product.provisioningPort}/provisioning/v1/bench`, {
        method: 'POST',
        body,
        dispatcher: agent,
        headers: { 'content-type': 'text/xml', authorization: auth },
      });
      const text = await res.body.text();
      return `${res.statusCode} ${/<errorCode>(\d+)</.exec(text)?.[1] ?? (text.includes('SuccessResponse') ? 'ok' : '?')}`;
    }),
  );
  done = true;
  await health;
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  return {
    seconds: (Date.now() - t0) / 1000,
    peakRssMB: mb(peak),
    answers: [...new Set(results)].join(', '),
    healthzMedianMs: +latencies[Math.floor(latencies.length / 2)].toFixed(1),
    healthzMaxMs: +latencies[latencies.length - 1].toFixed(1),
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-large-'));
  const product = await startProduct(dir);
  const certs = path.join(dir, 'data', 'certs');
  const agent = new Agent({
    connections: CONCURRENT,
    connect: {
      ca: fs.readFileSync(path.join(certs, 'server.crt')),
      cert: fs.readFileSync(path.join(certs, 'dev-client', 'client.crt')),
      key: fs.readFileSync(path.join(certs, 'dev-client', 'client.key')),
    },
  });
  const baselineRssMB = mb(statusKb(product.child.pid, 'VmRSS'));
  const rounds = {};
  try {
    for (const kind of (process.env.BENCH_LARGE_KINDS || Object.keys(KINDS).join(',')).split(',')) rounds[kind] = await round(product, agent, kind);
  } finally {
    const peakRssMB = mb(statusKb(product.child.pid, 'VmHWM'));
    await agent.close();
    product.child.kill('SIGTERM');
    await new Promise((r) => product.child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`${JSON.stringify({ product: ROOT, concurrent: CONCURRENT, bodyMB: 10, baselineRssMB, peakRssMB, rounds })}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
