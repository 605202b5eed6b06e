import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { captureLogger } from '../../helpers/capture-logger';
import { createRelayForwarder, upstreamSchema, type RelayForwarder } from '../../../src/inbound/relay';
import { percentile, sha256, startFront, startPki, startUpstream, type Front, type Upstream } from './relay-kit';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'flowthrough');
const fixture = (name: string, file: string) => fs.readFileSync(path.join(FIXTURES, name, file));

type Pki = Awaited<ReturnType<typeof startPki>>;
let pki: Pki;
beforeAll(async () => {
  pki = await startPki();
});

interface Rig {
  upstream: Upstream;
  forwarder: RelayForwarder;
  front: Front;
  client: Pool;
  logs: () => string;
  close(): Promise<void>;
}

async function rig(settings: Record<string, unknown> = {}, clientConnections = 4): Promise<Rig> {
  const upstream = await startUpstream(pki.upstreamCa, pki.upstreamServer);
  const { logger, text } = captureLogger();
  const forwarder = createRelayForwarder({ upstream: upstreamSchema.parse({ url: upstream.url, ca: pki.upstreamCa.certPem, ...settings }) });
  const front = await startFront(pki.frontServer, forwarder, logger);
  const client = new Pool(new URL(front.url).origin, { connections: clientConnections, connect: { ca: pki.frontCa.certPem } });
  return {
    upstream,
    forwarder,
    front,
    client,
    logs: text,
    async close() {
      await client.close();
      await front.close();
      await forwarder.close();
      await upstream.close();
    },
  };
}

async function post(client: Pool, pathname: string, body: Buffer, headers: Record<string, string> = {}) {
  const res = await client.request({ path: pathname, method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers } });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

describe('relay forwarder against an HTTPS upstream with its own CA', () => {
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

  it('appends the sub-path and query, and keeps the method', async () => {
    await r.client.request({ path: '/provisioning/v1/acme/users/42?x=1&y=%C3%A9', method: 'PUT', body: 'a', headers: { 'content-type': 'text/plain' } }).then((x) => x.body.dump());
    const get = await r.client.request({ path: '/provisioning/v1/acme/status', method: 'GET' });
    await get.body.dump();
    expect(r.upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['PUT /prov/v1/users/42?x=1&y=%C3%A9', 'GET /prov/v1/status']);
  });

  it('forwards end-to-end headers and drops hop-by-hop ones, the Connection header\'s own list included', async () => {
    const body = fixture('add-basic', 'request.xml');
    // node:https, because undici refuses to send hop-by-hop headers itself.
    const agent = new https.Agent({ keepAlive: true, ca: pki.frontCa.certPem });
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(r.front.url, {
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
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(body);
    });
    agent.destroy();
    expect(status).toBe(200);
    const seen = r.upstream.seen[0]!.headers;
    expect(seen).toMatchObject({ 'content-type': 'text/xml; charset=UTF-8', authorization: 'Basic YXMtdXNlcjphcy1wYXNzd29yZA==', soapaction: '""', 'user-agent': 'BroadWorks AS', 'x-custom-e2e': 'kept', 'content-length': String(body.length) });
    for (const gone of ['x-hop-private', 'keep-alive', 'te', 'proxy-connection', 'x-forwarded-for']) expect(seen[gone]).toBeUndefined();
    expect(seen['host']).toBe(new URL(r.upstream.url).host);
    expect(r.upstream.seen[0]!.bodySha).toBe(sha256(body));
  });

  it('returns the upstream\'s failure status, Content-Type, Retry-After and body unchanged', async () => {
    r.upstream.answerWith({ status: 503, contentType: 'text/html; charset=utf-8', body: Buffer.from('<h1>maintenance</h1>'), headers: { 'Retry-After': '7', 'X-Internal': 'no' } });
    const res = await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.body.toString()).toBe('<h1>maintenance</h1>');
  });

  it('keeps connections alive on both sides', async () => {
    const one = new Pool(new URL(r.front.url).origin, { connections: 1, connect: { ca: pki.frontCa.certPem } });
    for (let i = 0; i < 30; i++) await post(one, '/provisioning/v1/acme', Buffer.from(`<n>${i}</n>`));
    await one.close();
    expect(r.upstream.seen).toHaveLength(30);
    expect(r.front.connections()).toBe(1);
    expect(r.upstream.connections()).toBe(1);
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

  it('auth basic sends the template\'s upstream account, never logged', async () => {
    const r = await rig({ auth: 'basic', username: 'up-user', password: 'Up-Secret-Pa55word' });
    try {
      await post(r.client, '/provisioning/v1/acme', Buffer.from('<x/>'), { authorization: 'Basic YXM6YXM=' });
      expect(r.upstream.seen[0]!.headers['authorization']).toBe(`Basic ${Buffer.from('up-user:Up-Secret-Pa55word').toString('base64')}`);
      const { logger, text } = captureLogger();
      logger.info('probe', { upstream: 'Up-Secret-Pa55word', header: `Basic ${Buffer.from('up-user:Up-Secret-Pa55word').toString('base64')}` });
      expect(text()).not.toContain('Up-Secret-Pa55word');
      expect(text()).not.toContain(Buffer.from('up-user:Up-Secret-Pa55word').toString('base64'));
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
      expect(r.front.exchanges[0]!.answer.error?.code).toBe('IMPB_ERR_UPSTREAM_TLS');
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
      expect(res.body.toString()).toMatch(/^the upstream provisioning URL did not answer \(ECONNREFUSED\)\n$/);
      expect(r.front.exchanges[0]!.answer).toMatchObject({ answered: false, error: { code: 'IMPB_ERR_UPSTREAM_UNREACHABLE', retryable: true } });
    } finally {
      await r.close();
    }
  });

  it.each([
    [{ url: 'http://prov.example.net/x' }, 'upstream.url: plain http:// is allowed only to a loopback address'],
    [{ url: 'ftp://127.0.0.1/x' }, 'upstream.url: use https://'],
    [{ url: 'not a url' }, 'upstream.url: "not a url" is not a URL'],
    [{ url: 'https://u:p@prov.example.net/' }, 'upstream.url: put no user or password in the URL'],
    [{ url: 'https://prov.example.net/', auth: 'basic', username: 'u' }, 'upstream.password: auth basic needs both username and password'],
    [{ url: 'https://prov.example.net/', clientCert: 'c.pem' }, 'upstream.clientKey: a client certificate needs both'],
    [{ url: 'https://prov.example.net/', auth: 'oauth' }, 'upstream.auth: expected passthrough'],
  ])('refuses %j in the operator\'s words', async (input, message) => {
    const { describeUpstreamIssues } = await import('../../../src/inbound/relay');
    const result = upstreamSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(describeUpstreamIssues(result.error!).join('\n')).toContain(message);
  });

  it('accepts plain http to loopback and https anywhere', () => {
    expect(upstreamSchema.parse({ url: 'http://127.0.0.1:8080/prov' })).toMatchObject({ auth: 'passthrough', onFailure: 'passthrough', timeoutMs: 30000, forwardedFor: false });
    expect(upstreamSchema.safeParse({ url: 'http://[::1]:8080/prov' }).success).toBe(true);
    expect(upstreamSchema.safeParse({ url: 'https://prov.example.net/prov' }).success).toBe(true);
  });
});

describe('relay latency', () => {
  it('relays 500 parallel requests and reports the added latency (p50, p99 vs direct)', async () => {
    const r = await rig({}, 50);
    const direct = new Pool(new URL(r.upstream.url).origin, { connections: 50, connect: { ca: pki.upstreamCa.certPem } });
    const body = fixture('add-basic', 'request.xml');
    r.upstream.answerWith({ status: 200, contentType: 'text/xml; charset=UTF-8', body: fixture('add-basic', 'response.xml') });
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
      const upstreamConnections = r.upstream.connections();
      const figures = {
        directP50: percentile(d, 50).toFixed(1), directP99: percentile(d, 99).toFixed(1),
        relayP50: percentile(v, 50).toFixed(1), relayP99: percentile(v, 99).toFixed(1),
        addedP50: (percentile(v, 50) - percentile(d, 50)).toFixed(1), addedP99: (percentile(v, 99) - percentile(d, 99)).toFixed(1),
        upstreamConnections,
      };
      console.log(`relay latency, 500 parallel requests (ms): ${JSON.stringify(figures)}`);
      expect(r.upstream.seen.filter((s) => s.url === '/prov/v1' && s.bodySha === sha256(body)).length).toBe(2000);
      // The relay's own pool (32 connections) plus the direct client's 50, whatever the load.
      expect(upstreamConnections).toBeLessThanOrEqual(82);
    } finally {
      await direct.close();
      await r.close();
    }
  }, 120_000);
});
