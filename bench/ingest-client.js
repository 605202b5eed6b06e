// The load client of the ingest floor benchmark, in a process of its own so that it does not
// share a thread with the servers it measures. Reads its job from BENCH_CLIENT (JSON), sends new
// assigns to each target over `connections` kept-alive mTLS connections (one request in flight
// per connection), and prints one JSON line: each target's rate and latency percentiles.
'use strict';
const fs = require('node:fs');
const { Agent, request } = require('undici');

const job = JSON.parse(process.env.BENCH_CLIENT || '{}');

const body = (i) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">bench,${i}</sessionId>` +
  `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>bench${i}@voip</userId><serviceProviderId>ent</serviceProviderId><isEnterprise>true</isEnterprise><firstName>B</firstName><lastName>${i}</lastName><emailAddress>b${i}@example.net</emailAddress></command></BroadsoftDocument>`;

async function run(target, agent, offset, count) {
  const latencies = new Float64Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      const t0 = process.hrtime.bigint();
      const res = await request(target.url, {
        method: 'POST',
        body: body(offset + n),
        dispatcher: agent,
        headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: job.authorization },
      });
      const text = await res.body.text();
      latencies[n] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.statusCode !== 200 || !text.includes('SuccessResponse')) throw new Error(`${target.name}: status ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: job.connections }, lane));
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, latencies };
}

function summary(rounds) {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const sorted = rounds.flatMap((r) => Array.from(r.latencies)).sort((a, b) => a - b);
  const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return {
    requests: sorted.length,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round(sorted.length / seconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
  };
}

/**
 * Round boundaries, for the servers' process to measure its own CPU time per target (the
 * targets share it and take turns); each waits for the answer, so no request of the round is
 * sent before the server process took its reading. Without an IPC channel, a no-op.
 */
function tellServers(message) {
  if (!process.send) return Promise.resolve();
  return new Promise((resolve) => {
    process.once('message', resolve);
    process.send(message);
  });
}

/**
 * The targets are measured in alternating rounds, not one after the other: on a shared machine
 * the load changes within seconds, and one run each would compare two different machines.
 */
async function main() {
  const tls = { ca: fs.readFileSync(job.ca), cert: fs.readFileSync(job.cert), key: fs.readFileSync(job.key), servername: 'localhost' };
  const keepAlive = job.keepAliveMs ? { keepAliveTimeout: job.keepAliveMs, keepAliveMaxTimeout: job.keepAliveMs } : {};
  const state = job.targets.map((target) => ({
    target,
    agent: new Agent({ connections: job.connections, pipelining: 1, connect: tls, ...keepAlive }),
    next: 0,
    rounds: [],
    connects: 0,
  }));
  // Each target should open its connections once: a reconnect is a handshake inside a measured round.
  for (const s of state) s.agent.on('connect', () => s.connects++);
  // Warm-up (JIT on both sides, all connections open), not counted.
  for (const s of state) {
    await run(s.target, s.agent, s.next, job.warmup);
    s.next += job.warmup;
  }
  for (let round = 0; round < job.rounds; round++) {
    for (const s of round % 2 ? [...state].reverse() : state) {
      await tellServers({ target: s.target.name, phase: 'start' });
      s.rounds.push(await run(s.target, s.agent, s.next, job.requestsPerRound));
      await tellServers({ target: s.target.name, phase: 'end', requests: job.requestsPerRound });
      s.next += job.requestsPerRound;
    }
  }
  await Promise.all(state.map((s) => s.agent.close()));
  process.stdout.write(JSON.stringify(Object.fromEntries(state.map((s) => [s.target.name, { ...summary(s.rounds), connectionsOpened: s.connects }]))) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
