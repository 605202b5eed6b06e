// The load client of the ingest floor benchmark, in a process of its own so that it does not
// share a thread with the server it measures. Reads its job from BENCH_CLIENT (JSON), sends
// `requests` new assigns over `connections` kept-alive mTLS connections (one request in flight
// per connection), and prints one JSON line: rate and latency percentiles.
'use strict';
const fs = require('node:fs');
const { Agent, request } = require('undici');

const job = JSON.parse(process.env.BENCH_CLIENT || '{}');

const body = (i) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">bench,${i}</sessionId>` +
  `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>bench${i}@voip</userId><serviceProviderId>ent</serviceProviderId><isEnterprise>true</isEnterprise><firstName>B</firstName><lastName>${i}</lastName><emailAddress>b${i}@example.net</emailAddress></command></BroadsoftDocument>`;

async function run(agent, offset, count) {
  const latencies = new Float64Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      const t0 = process.hrtime.bigint();
      const res = await request(job.url, { method: 'POST', body: body(offset + n), dispatcher: agent, headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: job.authorization } });
      const text = await res.body.text();
      latencies[n] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.statusCode !== 200 || !text.includes('SuccessResponse')) throw new Error(`status ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: job.connections }, lane));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { requests: count, seconds: +seconds.toFixed(2), perSecond: Math.round(count / seconds), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

async function main() {
  const agent = new Agent({
    connections: job.connections,
    pipelining: 1,
    connect: { ca: fs.readFileSync(job.ca), cert: fs.readFileSync(job.cert), key: fs.readFileSync(job.key), servername: 'localhost' },
  });
  // Warm-up (JIT on both sides, all connections open), then the measured run with new users.
  await run(agent, job.offset, job.warmup);
  const result = await run(agent, job.offset + job.warmup, job.requests);
  await agent.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
