// The ingest floor (issue 12): the least a durable ingest must do on this stack, written
// plainly — express 5 with express.text, fast-xml-parser, a Basic-auth check, better-sqlite3
// (WAL, synchronous=FULL) with one transaction per event-loop turn, the answer sent after the
// commit — against the product endpoint. Both use the same mTLS certificates (the product's,
// generated at its first start) and the same load client, in a separate process, with 16
// kept-alive connections, in alternating rounds, with a ceiling target (same TLS and express,
// nothing parsed or stored) for what the client can drive. Prints each and the ratios.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dist = path.resolve(__dirname, '../dist');
const { expectEveryRequestStored, loadTargets, startCeiling, startFloor, target } = require('./lib/floor-servers');
const { ingestProductConfig, storedEvents } = require('./lib/ingest-product');

const REQUESTS = Number(process.env.BENCH_FLOOR_REQUESTS || 6000);
const WARMUP = Number(process.env.BENCH_FLOOR_WARMUP || 1500);
const CONNECTIONS = Number(process.env.BENCH_FLOOR_CONNECTIONS || 16);
const ROUNDS = Number(process.env.BENCH_FLOOR_ROUNDS || 6);
// Another checkout's build (its dist/), measured as a third target in the same rounds: a before/after within one run.
const BEFORE_ROOT = process.env.BENCH_BEFORE_ROOT;

/** The product of BENCH_BEFORE_ROOT, on a copy of this run's certificates (same trust, same client). */
async function startBefore(config, dataDir) {
  const root = path.resolve(BEFORE_ROOT);
  const { startImpBridge } = require(path.join(root, 'dist/main'));
  const { createSilentLogger } = require(path.join(root, 'dist/observability'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-before-'));
  fs.cpSync(path.join(dataDir, 'certs'), path.join(dir, 'certs'), { recursive: true });
  fs.copyFileSync(path.join(dataDir, 'admin-token'), path.join(dir, 'admin-token'));
  const bridge = await startImpBridge({ config: { ...config, dataDir: dir }, logger: createSilentLogger() });
  return { bridge, stop: async () => (await bridge.stop(), fs.rmSync(dir, { recursive: true, force: true })) };
}

async function main() {
  const { startImpBridge } = require(path.join(dist, 'main'));
  const { certPaths } = require(path.join(dist, 'certs'));
  const { createSilentLogger } = require(path.join(dist, 'observability'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-floor-'));
  const paths = certPaths(dataDir);
  const config = ingestProductConfig(dataDir);
  try {
    const bridge = await startImpBridge({ config, logger: createSilentLogger() });
    const before = BEFORE_ROOT ? await startBefore(config, dataDir) : undefined;
    // Started after the product, whose first start wrote the certificates both serve.
    const floorServer = await startFloor(paths, dataDir);
    const ceiling = await startCeiling(paths);
    let result;
    try {
      result = await loadTargets(
        [
          target('product', bridge.provisioningAddress.port),
          target('floor', floorServer.port),
          target('ceiling', ceiling.port),
          ...(before ? [target('before', before.bridge.provisioningAddress.port)] : []),
        ],
        paths,
        { connections: CONNECTIONS, rounds: ROUNDS, requests: REQUESTS, warmup: WARMUP },
      );
      expectEveryRequestStored(result, { product: storedEvents(bridge), floor: floorServer.count() }, WARMUP);
    } finally {
      await floorServer.close();
      await ceiling.close();
      await bridge.stop();
      if (before) await before.stop();
    }
    const { product, floor, ceiling: clientCeiling } = result;
    process.stdout.write(
      JSON.stringify({
        requests: product.requests,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        product,
        floor,
        rateRatio: +(product.perSecond / floor.perSecond).toFixed(3),
        p99Ratio: +(product.p99Ms / floor.p99Ms).toFixed(2),
        mainThreadRatio: +(product.mainThreadUsPerRequest / floor.mainThreadUsPerRequest).toFixed(3),
        ceiling: clientCeiling,
        floorOfCeiling: +(floor.perSecond / clientCeiling.perSecond).toFixed(3),
        productOfCeiling: +(product.perSecond / clientCeiling.perSecond).toFixed(3),
        ...(result.before
          ? {
              before: result.before,
              beforeRateRatio: +(result.before.perSecond / floor.perSecond).toFixed(3),
              beforeP99Ratio: +(result.before.p99Ms / floor.p99Ms).toFixed(2),
              beforeMainThreadRatio: +(result.before.mainThreadUsPerRequest / floor.mainThreadUsPerRequest).toFixed(3),
            }
          : {}),
      }) + '\n',
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
