// Peak RSS of the product under 8 concurrent worst-case 10 MB bodies over mTLS (issue 12 §3).
// Spawns `node dist/main.js` (BENCH_PRODUCT_ROOT selects another checkout's build, for a
// before/after), sends each kind of body 8 at a time from this process, and samples the
// child's RSS from /proc every 20 ms; VmHWM gives the kernel's own peak. Also samples
// /healthz latency during each round. Prints one JSON line.
'use strict';
/* global setTimeout, setInterval, clearInterval, Buffer, performance */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Agent, request } = require('undici');
const { AUTHORIZATION, clientTlsFiles, provisioningUrl, startProduct, stopProduct } = require('./lib/product-process');
const { LIMIT, TAIL, add, get, head, hundredCommands } = require('./lib/large-document');

const ROOT = path.resolve(process.env.BENCH_PRODUCT_ROOT || path.join(__dirname, '..'));
const CONCURRENT = Number(process.env.BENCH_LARGE_CONCURRENT || 8);
const HEAD = head('bench,1,1');
const room = LIMIT - HEAD.length - TAIL.length - 64;

const KINDS = {
  // The two cases: 1e6+ tiny elements, and one multi-megabyte tag name.
  tinyElements: () => HEAD + '<a/>'.repeat(Math.floor(room / 4)) + TAIL,
  longTagName: () => `${HEAD}<${'n'.repeat(room - 3)}/>${TAIL}`,
  // The largest document the dialect accepts: 100 commands (one add, 99 status queries).
  maxCommands: (i) =>
    hundredCommands(
      HEAD,
      room,
      (note) => add(`big${i}@voip`, note),
      (k, note) => get(`get${i}-${k}@voip`, note),
    ),
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
  const results = await Promise.all(
    bodies.map(async (body) => {
      const res = await request(provisioningUrl(product), {
        method: 'POST',
        body,
        dispatcher: agent,
        headers: { 'content-type': 'text/xml', authorization: AUTHORIZATION },
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
  const product = await startProduct({ root: ROOT, dir });
  const tls = clientTlsFiles(product);
  const agent = new Agent({
    connections: CONCURRENT,
    connect: { ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) },
  });
  const baselineRssMB = mb(statusKb(product.child.pid, 'VmRSS'));
  const rounds = {};
  try {
    for (const kind of (process.env.BENCH_LARGE_KINDS || Object.keys(KINDS).join(',')).split(',')) rounds[kind] = await round(product, agent, kind);
  } finally {
    const peakRssMB = mb(statusKb(product.child.pid, 'VmHWM'));
    await agent.close();
    await stopProduct(product);
    process.stdout.write(`${JSON.stringify({ product: ROOT, concurrent: CONCURRENT, bodyMB: 10, baselineRssMB, peakRssMB, rounds })}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
