import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { readDevClient } from '../../helpers/start-bridge';
import { startTlsRecordTap } from '../../helpers/tls-record-tap';
import { describeUpstreamIssues, upstreamSchema } from '../../../src/inbound/relay';
import { basic } from '../flowthrough-client';
import { percentile, sha256, startFront, startPki, startUpstream, type Front, type Upstream } from './relay-kit';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'flowthrough');
const fixture = (name: string, file: string) => fs.readFileSync(path.join(FIXTURES, name, file));

let pki: Awaited<ReturnType<typeof startPki>>;
beforeAll(async () => {
  pki = await startPki();
});

interface Rig {
  upstream: Upstream;
  front: Front;
  client: Pool;
  close(): Promise<void>;
}

async function rig(settings: Record<string, unknown> = {}, clientConnections = 4): Promise<Rig> {
  const upstream = await startUpstream(pki.upstreamCa, pki.upstreamServer);
  const front = await startFront({ url: upstream.url, ca: pki.upstreamCa.certPem, ...settings });
  return {
    upstream,
    front,
    client: front.client(clientConnections),
    async close() {
      await front.close();
      await upstream.close();
    },
  };
}

async function post(client: Pool, pathname: string, body: Buffer, headers: Record<string, string> = {}) {
  const res = await client.request({
    path: pathname,
    method: 'POST',
    body,
    headers: { 'content-type': 'text/xml', ...headers },
  });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

describe('relay mode against an HTTPS upstream with its own CA', () => {
  let r: Rig;
  beforeEach(async () => (r = await rig()));
  afterEach(async () => r.close());

  it.each([
    ['add-utf-8-non-ascii', 'text/xml; charset=UTF-8'],
    ['add-iso-8859-1', 'text/xml; charset=ISO-8859-1'],
  ])('relays the %s document and its answer byte for byte', async (name, contentType) => {
    const request = fixture(name, 'request.xml');
    const answer = fixture(name, 'response.xml');
    r.upstream.answerWith({ status: 200, contentType, body: answer });
    const res = await post(r.client, '/provisioning/v1/acme', request, { 'content-type': contentType });
    expect(r.upstream.seen).toHaveLength(1);
    expect(r.upstream.seen[0]!.bodySha).toBe(sha256(request));
    expect(r.upstream.seen[0]!.headers['content-type']).toBe(contentType);
    expect(r.upstream.seen[0]!.url).toBe('/prov/v1');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(contentType);
    expect(sha256(res.body)).toBe(sha256(answer));
  });

  it('writes a relayed answer, and a document answer of its own, as one TLS record each', async () => {
    const tap = await startTlsRecordTap({ host: '127.0.0.1', port: Number(new URL(r.front.origin).port) });
    const dev = readDevClient(r.front.t.dataDir);
    const pool = new Pool(`https://127.0.0.1:${tap.port}`, { connections: 1, connect: { ca: dev.ca, cert: dev.cert, key: dev.key, servername: 'localhost' } });
    try {
      const request = fixture('add-basic', 'request.xml');
      r.upstream.answerWith({ status: 200, contentType: 'text/xml; charset=UTF-8', body: fixture('add-basic', 'response.xml') });
      // The first exchange on the connection also carries the handshake and its session tickets.
      expect((await post(pool, '/provisioning/v1/acme', request)).status).toBe(200);
      const recordsOf = async (pathname: string) => {
        const before = tap.serverRecords();
        const res = await post(pool, pathname, request);
        return { status: res.status, answer: res.body.toString('latin1'), records: tap.serverRecords() - before };
      };
      expect(await recordsOf('/provisioning/v1/acme')).toMatchObject({ status: 200, records: 1 });
      // An unknown template is answered by the bridge itself (4004), from its document writer.
      expect(await recordsOf('/provisioning/v1/no-such-template')).toMatchObject({ status: 404, answer: expect.stringContaining('4004'), records: 1 });
    } finally {
      await pool.close();
      await tap.close();
    }
  });

  it("passes the AS's credentials through unchecked (the upstream's business), appends the sub-path and query, keeps the method", async () => {
    const wrong = basic('not-the-template-account', 'whatever-password');
    await r.client
      .request({
        path: '/provisioning/v1/acme/users/42?x=1&y=%C3%A9',
        method: 'PUT',
        body: 'a',
        headers: { 'content-type': 'text/plain', authorization: wrong },
      })
      .then((x) => x.body.dump());
    const get = await r.client.request({ path: '/provisioning/v1/acme/status', method: 'GET' });
    await get.body.dump();
    const del = await r.client.request({ path: '/provisioning/v1/acme', method: 'DELETE' });
    await del.body.dump();
    expect(r.upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['PUT /prov/v1/users/42?x=1&y=%C3%A9', 'GET /prov/v1/status', 'DELETE /prov/v1']);
    expect(r.upstream.seen[0]!.headers['authorization']).toBe(wrong);
  });

  it("forwards end-to-end headers and drops hop-by-hop ones, the Connection header's own list included", async () => {
    const body = fixture('add-basic', 'request.xml');
    const dev = readDevClient(r.front.t.dataDir);
    // node:https, because undici refuses to send hop-by-hop headers itself.
    const agent = new https.Agent({ keepAlive: true, ca: dev.ca, cert: dev.cert, key: dev.key });
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        r.front.url,
        {
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'text/xml; charset=UTF-8',
            Authorization: 'Basic YXMtdXNlcjphcy1wYXNzd29yZA==',
            SOAPAction: '""',
            'User-Agent': 'BroadWorks AS',
            'X-Custom-E2e': 'kept',
            Connection: 'keep-alive, X-Hop-Private',
            'X-Hop-Private': 'must not pass',
            'Keep-Alive': 'timeout=5',
            TE: 'trailers',
            'Proxy-Connection': 'keep-alive',
            'Content-Length': String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    agent.destroy();
    expect(status).toBe(200);
    const seen = r.upstream.seen[0]!.headers;
    expect(seen).toMatchObject({
      'content-type': 'text/xml; charset=UTF-8',
      authorization: 'Basic YXMtdXNlcjphcy1wYXNzd29yZA==',
      soapaction: '""',
      'user-agent': 'BroadWorks AS',
      'x-custom-e2e': 'kept',
      'content-length': String(body.length),
    });
    for (const gone of ['x-hop-private', 'keep-alive', 'te', 'proxy-connection', 'x-forwarded-for']) expect(seen[gone]).toBeUndefined();
    expect(seen['host']).toBe(new URL(r.upstream.url).host);
    expect(r.upstream.seen[0]!.bodySha).toBe(sha256(body));
  });

  it("returns the upstream's failure status, Content-Type, Retry-After and body unchanged", async () => {
    r.upstream.answerWith({
      status: 503,
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from('<h1>maintenance</h1>'),
      headers: { 'Retry-After': '7', 'X-Internal': 'no' },
    });
    const res = await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.toString()).toBe('<h1>maintenance</h1>');
  });

  it('keeps connections alive on both sides', async () => {
    const one = r.front.client(1);
    for (let i = 0; i < 30; i++) await post(one, '/provisioning/v1/acme', Buffer.from(`<n>${i}</n>`));
    expect(r.upstream.seen).toHaveLength(30);
    expect(r.front.connections()).toBe(1);
    expect(r.upstream.connections()).toBe(1);
  });

  it('records every exchange, masked, with no credential', async () => {
    const body = fixture('add-basic', 'request.xml');
    r.upstream.answerWith({
      status: 200,
      contentType: 'text/xml; charset=UTF-8',
      body: fixture('add-basic', 'response.xml'),
    });
    await post(r.client, '/provisioning/v1/acme', body, { authorization: basic('as-user', 'AS-Secret-Passw0rd') });
    const [row] = await r.front.t.bridge.parts.store.unknownRequests.list({ kind: 'recorded', limit: 10 });
    expect(row).toMatchObject({ template: 'acme', kind: 'recorded', reason: 'relay: upstream answered 200' });
    expect(row!.response).toContain('SuccessResponse');
    expect(row!.body).toContain('<impPassword>[REDACTED]</impPassword>');
    const everything = JSON.stringify(row) + r.front.t.logText();
    expect(everything).not.toContain('AS-Secret-Passw0rd');
    expect(everything).not.toContain(Buffer.from('as-user:AS-Secret-Passw0rd').toString('base64'));
  });
});

describe('relay settings', () => {
  it('adds X-Forwarded-For only when configured', async () => {
    const r = await rig({ forwardedFor: true });
    try {
      await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'), { 'x-forwarded-for': '192.0.2.1' });
      expect(r.upstream.seen[0]!.headers['x-forwarded-for']).toBe('192.0.2.1, 127.0.0.1');
    } finally {
      await r.close();
    }
  });

  it("auth basic sends the template's upstream account, which no log, record or metric shows", async () => {
    const r = await rig({ auth: 'basic', username: 'up-user', password: 'Up-Secret-Pa55word' });
    const token = Buffer.from('up-user:Up-Secret-Pa55word').toString('base64');
    try {
      await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'), { authorization: 'Basic YXM6YXM=' });
      expect(r.upstream.seen[0]!.headers['authorization']).toBe(`Basic ${token}`);
      const t = r.front.t;
      const stored = JSON.stringify(await t.bridge.parts.store.unknownRequests.list({ kind: 'recorded', limit: 10 }));
      const metrics = await t.bridge.parts.metrics.metrics();
      t.bridge.parts.logger.info('probe', { seen: `Up-Secret-Pa55word Basic ${token}` });
      for (const text of [stored, metrics, t.logText()]) {
        expect(text).not.toContain('Up-Secret-Pa55word');
        expect(text).not.toContain(token);
      }
    } finally {
      await r.close();
    }
  });

  it('verifies the upstream certificate: the system CAs do not know the test CA', async () => {
    const r = await rig({ ca: undefined });
    try {
      const res = await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'));
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toMatch(/certificate was not accepted/);
      expect(r.upstream.seen).toHaveLength(0);
      expect(r.front.t.logs.find((l) => l.event === 'relay.no_answer')).toMatchObject({
        code: 'IMPB_ERR_UPSTREAM_TLS',
      });
    } finally {
      await r.close();
    }
  });

  it('answers 502 with a short text body when the upstream does not answer', async () => {
    const r = await rig();
    await r.upstream.close();
    try {
      const res = await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'));
      expect(res.status).toBe(502);
      expect(res.body.toString()).toBe('the upstream provisioning URL did not answer (ECONNREFUSED)\n');
      expect(r.front.t.logs.find((l) => l.event === 'relay.no_answer')).toMatchObject({
        code: 'IMPB_ERR_UPSTREAM_UNREACHABLE',
      });
    } finally {
      await r.close();
    }
  });

  it.each([
    [{ url: 'http://prov.example.net/x' }, 'upstream.url: plain http:// is allowed only to a loopback address'],
    [{ url: 'http://127.evil.example/x' }, 'upstream.url: plain http:// is allowed only to a loopback address'],
    [{ url: 'ftp://127.0.0.1/x' }, 'upstream.url: use https://'],
    [{ url: 'not a url' }, 'upstream.url: "not a url" is not a URL'],
    [{ url: 'https://u:p@prov.example.net/' }, 'upstream.url: put no user or password in the URL'],
    [{ url: 'https://prov.example.net/', auth: 'basic', username: 'u' }, 'upstream.password: auth basic needs both username and password'],
    [{ url: 'https://prov.example.net/', clientCert: 'c.pem' }, 'upstream.clientKey: a client certificate needs both'],
    [{ url: 'https://prov.example.net/', auth: 'oauth' }, 'upstream.auth: expected passthrough'],
    [{ url: 'https://prov.example.net/', onFailure: 'queue' }, 'upstream.auth: onFailure queue needs auth: basic'],
  ])("refuses %j in the operator's words", (input, message) => {
    const result = upstreamSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(describeUpstreamIssues(result.error!).join('\n')).toContain(message);
  });

  it('accepts plain http to loopback and https anywhere', () => {
    expect(upstreamSchema.parse({ url: 'http://127.0.0.1:8080/prov' })).toMatchObject({
      auth: 'passthrough',
      onFailure: 'passthrough',
      timeoutMs: 30000,
      forwardedFor: false,
      record: true,
    });
    expect(upstreamSchema.safeParse({ url: 'http://[::1]:8080/prov' }).success).toBe(true);
    expect(upstreamSchema.safeParse({ url: 'https://prov.example.net/prov' }).success).toBe(true);
  });
});

describe('relay latency', () => {
  it('relays 500 parallel requests and reports the added latency (p50, p99 vs direct)', async () => {
    const r = await rig({ record: false }, 50);
    const direct = new Pool(new URL(r.upstream.url).origin, {
      connections: 50,
      connect: { ca: pki.upstreamCa.certPem },
    });
    const body = fixture('add-basic', 'request.xml');
    r.upstream.answerWith({
      status: 200,
      contentType: 'text/xml; charset=UTF-8',
      body: fixture('add-basic', 'response.xml'),
    });
    const run = async (pool: Pool, p: string) => {
      const times = await Promise.all(
        Array.from({ length: 500 }, async () => {
          const t = performance.now();
          const res = await post(pool, p, body);
          expect(res.status).toBe(200);
          return performance.now() - t;
        }),
      );
      return times.sort((a, b) => a - b);
    };
    try {
      await run(direct, '/prov/v1'); // warm-up both paths: TLS handshakes, JIT
      await run(r.client, '/provisioning/v1/acme');
      const d = await run(direct, '/prov/v1');
      const v = await run(r.client, '/provisioning/v1/acme');
      const figures = {
        directP50: percentile(d, 50).toFixed(1),
        directP99: percentile(d, 99).toFixed(1),
        relayP50: percentile(v, 50).toFixed(1),
        relayP99: percentile(v, 99).toFixed(1),
        addedP50: (percentile(v, 50) - percentile(d, 50)).toFixed(1),
        addedP99: (percentile(v, 99) - percentile(d, 99)).toFixed(1),
        upstreamConnections: r.upstream.connections(),
        bridgeConnections: r.front.connections(),
      };
      console.log(`relay latency, 500 parallel requests (ms): ${JSON.stringify(figures)}`);
      expect(r.upstream.seen.filter((s) => s.url === '/prov/v1' && s.bodySha === sha256(body)).length).toBe(2000);
      // Kept alive: at most the relay pool's 32 plus the direct client's 50, and the AS side's 50.
      expect(r.upstream.connections()).toBeLessThanOrEqual(82);
      expect(r.front.connections()).toBeLessThanOrEqual(50);
    } finally {
      await direct.close();
      await r.close();
    }
  }, 120_000);
});
