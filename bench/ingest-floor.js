// The ingest floor (issue 12): the least a durable ingest must do on this stack, written
// plainly — express 5 with express.text, fast-xml-parser, a Basic-auth check, better-sqlite3
// (WAL, synchronous=FULL) with one transaction per event-loop turn, the answer sent after the
// commit — against the product endpoint. Both use the same mTLS certificates (the product's,
// generated at its first start) and the same load client, in a separate process, with 16
// kept-alive connections, in alternating rounds, with a ceiling target (same TLS and express,
// nothing parsed or stored) for what the client can drive. Prints each and the ratios.
'use strict';
/* global Buffer, performance, setImmediate */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const express = require('express');
const { XMLParser } = require('fast-xml-parser');
const dist = path.resolve(__dirname, '../dist');
const { AUTHORIZATION, KEEP_ALIVE_MS, ingestProductConfig } = require('./lib/ingest-product');

const REQUESTS = Number(process.env.BENCH_FLOOR_REQUESTS || 6000);
const WARMUP = Number(process.env.BENCH_FLOOR_WARMUP || 1500);
const CONNECTIONS = Number(process.env.BENCH_FLOOR_CONNECTIONS || 16);
const ROUNDS = Number(process.env.BENCH_FLOOR_ROUNDS || 6);
// Another checkout's build (its dist/), measured as a third target in the same rounds: a before/after within one run.
const BEFORE_ROOT = process.env.BENCH_BEFORE_ROOT;

function load(targets, paths) {
  const job = {
    targets,
    ca: paths.serverCert,
    cert: paths.devClientCert,
    key: paths.devClientKey,
    authorization: AUTHORIZATION,
    connections: CONNECTIONS,
    keepAliveMs: KEEP_ALIVE_MS,
    rounds: ROUNDS,
    requestsPerRound: Math.ceil(REQUESTS / ROUNDS),
    warmup: WARMUP,
  };
  const serverTime = measureServerTimePerTarget();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'ingest-client.js')], {
      env: { ...process.env, BENCH_CLIENT: JSON.stringify(job) },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('message', (message) => {
      serverTime.mark(message);
      child.send('ok');
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load client exited ${code}`));
      const result = JSON.parse(out.trim().split('\n').pop());
      for (const [name, perRequest] of Object.entries(serverTime.perRequest())) Object.assign(result[name], perRequest);
      resolve(result);
    });
  });
}

/**
 * This process's time per request of each target, from the client's round boundaries: the
 * main thread's busy time (event-loop utilisation) and the CPU time of all its threads. The
 * rates depend on how much of the machine the other sessions leave; these are the servers' own
 * cost, and the targets take turns, so each round is one target's.
 */
function measureServerTimePerTarget() {
  const totals = new Map();
  let started;
  return {
    mark({ target, phase, requests }) {
      if (phase === 'start') {
        started = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage() };
        return;
      }
      const elu = performance.eventLoopUtilization(started.elu);
      const cpu = process.cpuUsage(started.cpu);
      const t = totals.get(target) ?? { mainMs: 0, cpuUs: 0, requests: 0 };
      t.mainMs += elu.active;
      t.cpuUs += cpu.user + cpu.system;
      t.requests += requests;
      totals.set(target, t);
    },
    perRequest() {
      return Object.fromEntries(
        [...totals].map(([name, t]) => [
          name,
          { mainThreadUsPerRequest: Math.round((t.mainMs * 1000) / t.requests), cpuUsPerRequest: Math.round(t.cpuUs / t.requests) },
        ]),
      );
    },
  };
}

const SUCCESS = (sessionId) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">${sessionId}</sessionId><command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/></BroadsoftDocument>`;

/** The floor server, on the product's server certificate and trust anchor. */
function startFloor(paths, dir) {
  const db = new Database(path.join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO events (user_id, kind, body, received_at) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r.userId, r.kind, r.body, r.at);
  });
  const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false, processEntities: false, removeNSPrefix: true });
  const expected = Buffer.from(AUTHORIZATION);

  // One transaction per event-loop turn: every request parsed in this turn shares one fsync.
  let pending = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    try {
      commit(batch);
    } catch (err) {
      for (const p of batch) p.res.status(500).type('text/xml').send(String(err));
      return;
    }
    for (const p of batch) p.res.type('text/xml').send(SUCCESS(p.sessionId));
  };

  const app = express();
  app.post('/provisioning/v1/:template', express.text({ type: () => true, limit: '64kb' }), (req, res) => {
    const given = Buffer.from(req.get('authorization') || '');
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return void res.status(401).end();
    const doc = parser.parse(req.body).BroadsoftDocument;
    const command = doc && doc.command;
    if (!command || typeof command.userId !== 'string') return void res.status(400).end();
    if (pending.length === 0) setImmediate(flush);
    pending.push({ res, sessionId: String(doc.sessionId ?? ''), userId: command.userId, kind: String(command['@_type']), body: req.body, at: Date.now() });
  });
  return serveWithProductCertificate(paths, app, {
    count: () => db.prepare('SELECT COUNT(*) AS n FROM events').get().n,
    closed: () => db.close(),
  });
}

/** An express app on the product's server certificate and trust anchor (mTLS required). */
function serveWithProductCertificate(paths, app, extra = {}) {
  const server = https.createServer(
    {
      key: fs.readFileSync(paths.serverKey),
      cert: fs.readFileSync(paths.serverCert),
      ca: fs.readFileSync(paths.devCaCert),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    app,
  );
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        count: extra.count,
        close: () => new Promise((done) => server.close(() => (extra.closed?.(), done()))),
      }),
    ),
  );
}

/**
 * What the load client itself can drive: the same TLS and express, the body read, a fixed
 * answer, nothing parsed or stored. The floor's and the product's rates read against it show
 * how much of each one's time is the client's share of the machine rather than its own work.
 */
function startCeiling(paths) {
  const app = express();
  app.post('/provisioning/v1/:template', express.text({ type: () => true, limit: '64kb' }), (_req, res) => void res.type('text/xml').send(SUCCESS('ceiling')));
  return serveWithProductCertificate(paths, app);
}

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
      result = await load(
        [
          { name: 'product', url: `https://localhost:${bridge.provisioningAddress.port}/provisioning/v1/bench` },
          { name: 'floor', url: `https://localhost:${floorServer.port}/provisioning/v1/bench` },
          { name: 'ceiling', url: `https://localhost:${ceiling.port}/provisioning/v1/bench` },
          ...(before ? [{ name: 'before', url: `https://localhost:${before.bridge.provisioningAddress.port}/provisioning/v1/bench` }] : []),
        ],
        paths,
      );
      const expected = result.product.requests + WARMUP;
      const events = bridge.parts.store.db.prepare('SELECT COUNT(*) AS n FROM inbound_events').get().n;
      if (events !== expected) throw new Error(`product: expected ${expected} events, found ${events}`);
      if (floorServer.count() !== expected) throw new Error(`floor: expected ${expected} events, found ${floorServer.count()}`);
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
