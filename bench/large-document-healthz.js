// /healthz latency while the product takes one 10 MB, 100-command document (issue 12 §2).
// Spawns `node dist/main.js` of this checkout and, with BENCH_BEFORE_ROOT, of another build,
// and sends each the same document from a sender in its own process (as an AS does: the
// encryption of 10 MB is not counted against this process) in alternating rounds. This
// process samples /healthz of the product being loaded every 10 ms, each sample measured from
// its scheduled time, so a blocked event loop delays every sample due meanwhile. Prints one
// JSON line: p50 / p90 / max per round and the medians per build. BENCH_PRODUCT_NODE_ARGS
// (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to the product processes.
'use strict';
/* global setTimeout, setInterval, clearInterval, performance */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { request } = require('undici');
const { sendFromOwnProcess, startProduct, stopProduct } = require('./lib/product-process');
const { LIMIT, TAIL, add, get, head, hundredCommands } = require('./lib/large-document');

const ROUNDS = Number(process.env.BENCH_HEALTHZ_ROUNDS || 3);

// `statuses` (the default): one assign and 99 status queries; `assigns`: 100 assigns of distinct
// users, the heavier store path (100 events and jobs referencing the one stored request).
const KIND = process.env.BENCH_HEALTHZ_DOCUMENT || 'statuses';

function document(round) {
  const start = head(`big,1,${round}`);
  const rest = KIND === 'assigns' ? (k, note) => add(`big${round}-${k + 1}@voip`, note) : (k, note) => get(`get${round}-${k}@voip`, note);
  return hundredCommands(start, LIMIT - 1024 - start.length - TAIL.length, (note) => add(`big${round}-0@voip`, note), rest);
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
  const res = await sendFromOwnProcess(product, file);
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
    const nodeArgs = (process.env.BENCH_PRODUCT_NODE_ARGS || '').split(' ').filter(Boolean);
    for (const [name, root] of Object.entries(roots))
      products[name] = await startProduct({ root, dir: fs.mkdtempSync(path.join(os.tmpdir(), `impb-bench-healthz-${name}-`)), nodeArgs });
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
    for (const p of Object.values(products)) await stopProduct(p);
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
