// Durable ingest vs a bare Node mTLS server: the same TLS handshake, keep-alive and request
// parsing; one answers at once, the other only after store.events.accept committed the event
// (WAL, synchronous=FULL, group commit). Also: group commit vs one commit per request, and the
// whole product endpoint (mTLS, Basic auth, hardened XML, dialect, durable accept) vs bare.
'use strict';
/* global Buffer */
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { Agent, request } = require('undici');
const dist = path.resolve(__dirname, '../dist');
const { generateKey, buildCertificate } = require(path.join(dist, 'certs'));
const { createSqliteStore } = require(path.join(dist, 'store'));
const { AUTHORIZATION, ingestProductConfig } = require('./lib/ingest-product');

const REQUESTS = Number(process.env.BENCH_INGEST_REQUESTS || 4000);
const CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY || 64);

async function pki() {
  const caKey = (await generateKey('rsa-2048')).privateKeyPem;
  const ca = buildCertificate({ commonName: 'Bench CA', validDays: 2, usage: 'ca', isCa: true }, caKey);
  const key = (await generateKey('rsa-2048')).privateKeyPem;
  const issuer = { certificatePem: ca, privateKeyPem: caKey };
  return {
    ca,
    server: {
      key,
      cert: buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost', '127.0.0.1'], validDays: 2, usage: 'server' }, key, issuer),
    },
    client: { key, cert: buildCertificate({ commonName: 'bench-as', validDays: 2, usage: 'client' }, key, issuer) },
  };
}

function listen(material, handler) {
  const server = https.createServer(
    { key: material.server.key, cert: material.server.cert, ca: material.ca, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => handler(Buffer.concat(chunks).toString('utf8'), res));
    },
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const body = (i) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">bench,${i}</sessionId>` +
  `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>bench${i}@voip</userId><serviceProviderId>ent</serviceProviderId><isEnterprise>true</isEnterprise><firstName>B</firstName><lastName>${i}</lastName><emailAddress>b${i}@example.net</emailAddress></command></BroadsoftDocument>`;

async function drive(port, material, options = {}) {
  const { headers = {}, offset = 0, expect = '' } = options;
  const agent = new Agent({
    connections: CONCURRENCY,
    connect: { ca: material.ca, cert: material.client.cert, key: material.client.key, servername: 'localhost' },
  });
  let next = 0;
  const lane = async () => {
    while (next < REQUESTS) {
      const i = offset + next++;
      const res = await request(`https://localhost:${port}/provisioning/v1/bench`, {
        method: 'POST',
        body: body(i),
        dispatcher: agent,
        headers: { 'content-type': 'text/xml; charset=UTF-8', ...headers },
      });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.includes(expect)) throw new Error(`status ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  // Warm the connections first so both servers are measured without handshakes dominating.
  await Promise.all(
    Array.from({ length: CONCURRENCY }, () =>
      request(`https://localhost:${port}/warm`, { method: 'POST', body: 'x', dispatcher: agent }).then((r) => r.body.text()),
    ),
  );
  next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await agent.close();
  return REQUESTS / seconds;
}

async function main() {
  if (process.env.BENCH_INGEST_ONLY === 'product') {
    process.stdout.write(JSON.stringify({ productMtlsPerSecond: Math.round(await driveProduct()) }) + '\n');
    return;
  }
  const material = await pki();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-ingest-'));
  const store = createSqliteStore({ dataDir: dir });
  let seq = 0;

  const bare = await listen(material, (_body, res) => res.end('<ok/>'));
  await drive(bare.address().port, material); // JIT warm-up, discarded
  const bareRate = await drive(bare.address().port, material);
  bare.close();

  const durable = await listen(material, (body, res) => {
    const i = ++seq;
    store.events
      .accept(
        [
          {
            event: { kind: 'assign', template: 'bench', userId: `bench${i}@voip`, enterpriseId: 'ent', profile: { lastName: String(i) } },
            requestId: `r${i}`,
            rawRequest: body,
            dedupeKey: `k${i}`,
          },
        ],
        { duplicateWindowSeconds: 300 },
      )
      .then(
        () => res.end('<ok/>'),
        (err) => {
          res.statusCode = 500;
          res.end(String(err));
        },
      );
  });
  const before = store.events.commitStats();
  const durableRate = await drive(durable.address().port, material);
  const after = store.events.commitStats();
  durable.close();

  // Group commit measured directly: N concurrent accepts vs the same N awaited one by one.
  const N = 1000;
  const input = (i) => ({
    event: { kind: 'assign', template: 'bench', userId: `g${i}@voip`, enterpriseId: 'ent', profile: {} },
    requestId: `g${i}`,
    rawRequest: '<x/>',
    dedupeKey: `g${i}-${Math.random()}`,
  });
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await store.events.accept([input(i)], { duplicateWindowSeconds: 300 });
  const sequentialRate = N / (Number(process.hrtime.bigint() - t0) / 1e9);
  t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: N }, (_, i) => store.events.accept([input(N + i)], { duplicateWindowSeconds: 300 })));
  const groupRate = N / (Number(process.hrtime.bigint() - t0) / 1e9);

  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const productRate = await driveProduct();

  const result = {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    bareMtlsPerSecond: Math.round(bareRate),
    durableMtlsPerSecond: Math.round(durableRate),
    durableVsBareRatio: +(durableRate / bareRate).toFixed(3),
    productMtlsPerSecond: Math.round(productRate),
    productVsBareRatio: +(productRate / bareRate).toFixed(3),
    requestsPerCommitUnderLoad: +((after.accepted - before.accepted) / Math.max(1, after.commits - before.commits)).toFixed(1),
    sequentialAcceptsPerSecond: Math.round(sequentialRate),
    groupCommitAcceptsPerSecond: Math.round(groupRate),
    groupCommitRatio: +(groupRate / sequentialRate).toFixed(2),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** The real proxy in this process: its own certificates, a template from config, pipeline paced at 1 call/s. */
async function driveProduct() {
  const { startImpBridge } = require(path.join(dist, 'main'));
  const { certPaths } = require(path.join(dist, 'certs'));
  const { createSilentLogger } = require(path.join(dist, 'observability'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-bench-product-'));
  const bridge = await startImpBridge({ config: ingestProductConfig(dataDir), logger: createSilentLogger() });
  try {
    const paths = certPaths(dataDir);
    const material = {
      ca: fs.readFileSync(paths.serverCert),
      client: { cert: fs.readFileSync(paths.devClientCert), key: fs.readFileSync(paths.devClientKey) },
    };
    const port = bridge.provisioningAddress.port;
    const options = { headers: { authorization: AUTHORIZATION }, expect: 'SuccessResponse' };
    await drive(port, material, options); // JIT warm-up, discarded
    // New users: every request is a new event (a re-sent document would be a duplicate).
    const rate = await drive(port, material, { ...options, offset: REQUESTS });
    const events = bridge.parts.store.db.prepare('SELECT COUNT(*) AS n FROM inbound_events').get().n;
    if (events !== 2 * REQUESTS) throw new Error(`expected ${2 * REQUESTS} events, found ${events}`);
    return rate;
  } finally {
    await bridge.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
