// The servers and the load of the ingest floor benches (ingest-floor.js, ingest-budget.js): the
// floor (issue 12: express 5 with express.text, fast-xml-parser, a Basic-auth check,
// better-sqlite3 in WAL with synchronous=FULL and one transaction per event-loop turn, the answer
// after the commit), the ceiling, and the separate load client with each target's own time.
'use strict';
/* global Buffer, performance, setImmediate */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const Database = require('better-sqlite3');
const express = require('express');
const { XMLParser } = require('fast-xml-parser');
const { AUTHORIZATION, KEEP_ALIVE_MS } = require('./ingest-product');

const SUCCESS = (sessionId) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">${sessionId}</sessionId><command echo="" xsi:type="c:SuccessResponse" xmlns:c="C" xmlns=""/></BroadsoftDocument>`;

const floorParser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false, processEntities: false, removeNSPrefix: true });

/** The floor's read of a request: one parse, the command's user and type. */
function floorRead(req) {
  const doc = floorParser.parse(req.body).BroadsoftDocument;
  const command = doc && doc.command;
  if (!command || typeof command.userId !== 'string') return undefined;
  return { sessionId: String(doc.sessionId ?? ''), userId: command.userId, kind: String(command['@_type']), body: req.body };
}

/**
 * The floor server, on the product's server certificate and trust anchor. `steps` replaces its
 * parts, for ingest-budget.js: `read(req)` (the parse) and `accept(read)` (a promise settled
 * once the request is durable, instead of the floor's one-row insert in the turn's transaction).
 */
function startFloor(paths, dir, steps = {}) {
  const db = new Database(path.join(dir, `floor-${crypto.randomUUID()}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO events (user_id, kind, body, received_at) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r.userId, r.kind, r.body, r.at);
  });
  const read = steps.read ?? floorRead;
  const expected = Buffer.from(AUTHORIZATION);
  let accepted = 0; // with steps.accept: requests the variant made durable (its own store)

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
    const r = read(req);
    if (!r) return void res.status(400).end();
    if (steps.accept) {
      steps.accept(r, req).then(
        () => (accepted++, res.type('text/xml').send(SUCCESS(r.sessionId))),
        (err) => res.status(500).type('text/xml').send(String(err)),
      );
      return;
    }
    if (pending.length === 0) setImmediate(flush);
    pending.push({ res, sessionId: r.sessionId, userId: r.userId, kind: r.kind, body: r.body, at: Date.now() });
  });
  const stored = () => db.prepare('SELECT COUNT(*) AS n FROM events').get().n;
  return serveWithProductCertificate(paths, app, { count: steps.accept ? () => accepted : stored, closed: () => db.close() });
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

/** A load target: one server of this process, by its port. */
const target = (name, port) => ({ name, url: `https://localhost:${port}/provisioning/v1/bench` });

/** Each target must have stored every request it answered, warm-up included; `stored` maps a target's name to its count. */
function expectEveryRequestStored(result, stored, warmup) {
  for (const [name, count] of Object.entries(stored)) {
    const expected = result[name].requests + warmup;
    if (count !== expected) throw new Error(`${name}: expected ${expected} stored requests, found ${count}`);
  }
}

/**
 * Runs the load client (ingest-client.js) in its own process against `targets` ({ name, url })
 * in alternating rounds; resolves with each target's rate and latencies, and its server time.
 */
function loadTargets(targets, paths, { connections, rounds, requests, warmup }) {
  const job = {
    targets,
    ca: paths.serverCert,
    cert: paths.devClientCert,
    key: paths.devClientKey,
    authorization: AUTHORIZATION,
    connections,
    keepAliveMs: KEEP_ALIVE_MS,
    rounds,
    requestsPerRound: Math.ceil(requests / rounds),
    warmup,
  };
  const serverTime = measureServerTimePerTarget();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'ingest-client.js')], {
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

module.exports = { expectEveryRequestStored, floorRead, loadTargets, startCeiling, startFloor, target };
