import net from 'node:net';
import { Agent } from 'undici';
import { WebexError } from '../../src/errors';
import { createSilentLogger } from '../../src/observability';
import { createStaticTokenProvider } from '../../src/webex/tokens/token-provider';
import { createWebexClient } from '../../src/webex/webex-client';
import { bwCreate, customerCreate, eventually, SIM_TOKEN, startSimAndClient, type SimAndClient } from './sim-fixtures';

describe('Webex client: pagination and faults (simulator over sockets)', () => {
  let env: SimAndClient;
  afterEach(async () => {
    await env?.close();
    (env as SimAndClient | undefined) = undefined;
  });

  async function seed(count: number, enterprise: string) {
    for (let i = 0; i < count; i++) {
      await env.client.broadworks.createSubscriber(bwCreate({ userId: `${enterprise}-${i}@sp.example`, spEnterpriseId: enterprise }));
    }
  }

  it('follows next links across 3 pages, re-applying filters and max when the links drop them', async () => {
    env = await startSimAndClient({ faults: { brokenNextLinks: true } });
    await seed(5, 'SP1+acme');
    await seed(3, 'SP1+other');
    const listed = await env.client.broadworks.listSubscribers({ spEnterpriseId: 'SP1+acme', max: 2 });
    expect(listed.data).toHaveLength(5);
    expect(new Set(listed.data.map((s) => s.spEnterpriseId))).toEqual(new Set(['SP1+acme']));
    const pages = env.sim.requestLog.filter((r) => r.method === 'GET');
    expect(pages).toHaveLength(3);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.path).toContain('spEnterpriseId=SP1%2Bacme');
      expect(page.path).toContain('max=2');
    }
  });

  it('asks the shared pacer before every exchange (each list page too) and tells it of every 429', async () => {
    const paced: string[] = [];
    const limited: Array<number | undefined> = [];
    const pacer = { acquire: async () => void paced.push('acquire'), onRateLimited: (ms?: number) => void limited.push(ms) };
    env = await startSimAndClient({}, { pacer });
    await seed(5, 'SP1+paced');
    paced.length = 0;
    await env.client.broadworks.listSubscribers({ spEnterpriseId: 'SP1+paced', max: 2 });
    expect(paced).toHaveLength(env.sim.requestLog.filter((r) => r.method === 'GET').length);
    expect(paced).toHaveLength(3);
    env.sim.setFaults({ rateLimitPerSecond: 1, retryAfter: '7' });
    await env.client.broadworks.listSubscribers({ spEnterpriseId: 'SP1+paced', max: 100 }).catch(() => undefined);
    await expect(env.client.broadworks.listSubscribers({ spEnterpriseId: 'SP1+paced', max: 100 })).rejects.toMatchObject({ facts: { httpStatus: 429 } });
    expect(limited).toEqual([7000]);
  });

  it.each([
    ['intact', false],
    ['broken', true],
  ])('crosses 3 pages of a Wholesale list (offset pagination) with %s next links, never asking an offset twice', async (_kind, brokenNextLinks) => {
    env = await startSimAndClient({ customerProvisioningDelayMs: 1 });
    const created = await env.client.wholesale.createCustomer(customerCreate());
    const customer = await eventually(async () => {
      const got = await env.client.wholesale.getCustomer(created.data.url);
      return got.data.status === 'provisioned' ? got.data : undefined;
    });
    for (let i = 0; i < 5; i++) {
      await env.client.wholesale.createSubscriber({
        customerId: customer.id,
        email: `u${i}@acme.example`,
        packages: ['webex_meetings'],
        provisioningParameters: {},
      });
    }
    env.sim.setFaults({ brokenNextLinks });
    const res = await env.client.wholesale.listSubscribers({ customerId: customer.id, max: 2 });
    expect(res.data).toHaveLength(5);
    expect(new Set(res.data.map((s) => s.email)).size).toBe(5);
    const pages = env.sim.requestLog.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/wholesale/subscribers?'));
    expect(pages).toHaveLength(3);
    const offsets = pages.map((p) => new URL(p.path, 'http://x').searchParams.get('offset'));
    expect(offsets).toEqual([null, '2', '4']);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(new URL(page.path, 'http://x').searchParams.get('max')).toBe('2');
      expect(new URL(page.path, 'http://x').searchParams.get('customerId')).toBe(customer.id);
    }
  });

  it.each([
    ['1', 1000],
    ['7', 7000],
    ['0', 10_000],
    [undefined, 10_000],
    ['rand(30),add(30)', 10_000],
  ])('maps 429 with Retry-After %p to a retryable error with retryAfterMs %p', async (retryAfter, expected) => {
    // retryAfter '' makes the simulator send no Retry-After header at all
    env = await startSimAndClient({ faults: { failNext: { status: 429, count: 1 }, retryAfter: retryAfter ?? '' } });
    const err = (await env.client.broadworks.listSubscribers({}).catch((e: unknown) => e)) as WebexError;
    expect(err).toBeInstanceOf(WebexError);
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_RATE_LIMITED', retryable: true, httpStatus: 429 });
    expect(err.facts.retryAfterMs).toBe(expected);
    expect(err.facts.retryAfterMs).toBeGreaterThanOrEqual(1000);
    // no retry inside the client
    expect(env.sim.stats().requests).toBe(1);
  });

  it('sends no Retry-After at all when the retryAfter fault is empty (the header is missing, not blank)', async () => {
    env = await startSimAndClient({ faults: { failNext: { status: 429, count: 1 }, retryAfter: '' } });
    const res = await fetch(`${env.sim.baseUrl}/broadworks/subscribers`, { headers: { authorization: `Bearer ${SIM_TOKEN}` } });
    expect(res.status).toBe(429);
    expect(res.headers.has('retry-after')).toBe(false);
  });

  it('rate limits N calls per second with 429 + Retry-After', async () => {
    env = await startSimAndClient({ faults: { rateLimitPerSecond: 2, retryAfter: '3' } });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => env.client.broadworks.listSubscribers({})));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'IMPB_ERR_WEBEX_RATE_LIMITED', facts: { retryAfterMs: 3000 } });
    expect(env.sim.stats().rateLimited).toBe(rejected.length);
  });

  it.each([
    [503, 'IMPB_ERR_WEBEX_UNAVAILABLE', true],
    [502, 'IMPB_ERR_WEBEX_UNAVAILABLE', true],
    [504, 'IMPB_ERR_WEBEX_UNAVAILABLE', true],
    [423, 'IMPB_ERR_WEBEX_UNAVAILABLE', true],
    [403, 'IMPB_ERR_WEBEX_FORBIDDEN', false],
    [404, 'IMPB_ERR_WEBEX_NOT_FOUND', false],
    [409, 'IMPB_ERR_WEBEX_CONFLICT', false],
  ])('classifies HTTP %p as %p (retryable %p)', async (status, code, retryable) => {
    env = await startSimAndClient({ faults: { failNext: { status, count: 1 } } });
    const err = (await env.client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
    expect(err).toMatchObject({ code, retryable, httpStatus: status });
    expect(err.facts.webexMessage).toContain('Injected failure');
    expect(err.trackingId).toBe(env.sim.requestLog.at(-1)!.trackingId);
  });

  it('marks a dropped POST as maybeApplied, and retries a GET once after a reset', async () => {
    env = await startSimAndClient({ faults: { dropNextConnections: 1 } });
    const err = (await env.client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_CONNECTION', retryable: true });
    expect(err.facts.maybeApplied).toBe(true);
    expect(err.httpStatus).toBeUndefined();

    env.sim.setFaults({ dropNextConnections: 1 });
    const listed = await env.client.broadworks.listSubscribers({});
    expect(listed.httpStatus).toBe(200);
    expect(env.sim.requestLog.slice(-2).map((r) => r.status)).toEqual([0, 200]);
  });

  it('times out (retryable, maybeApplied for a POST) when Webex is slower than the headers timeout', async () => {
    env = await startSimAndClient({ faults: { latencyMs: 2500 } }, { headersTimeoutMs: 100 });
    const err = (await env.client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_TIMEOUT', retryable: true });
    expect(err.facts.maybeApplied).toBe(true);
  });

  it('times out (retryable, maybeApplied for a POST) when the headers arrive but the body stalls', async () => {
    env = await startSimAndClient({ faults: { stallNextBodies: 1 } }, { bodyTimeoutMs: 150 });
    const err = (await env.client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
    expect(err).toBeInstanceOf(WebexError);
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_TIMEOUT', retryable: true });
    expect(err.message).toContain('UND_ERR_BODY_TIMEOUT');
    expect(err.facts.maybeApplied).toBe(true);
    expect(env.sim.requestLog.at(-1)).toMatchObject({ method: 'POST', status: 200 });
    // the stall was one answer only
    expect((await env.client.broadworks.listSubscribers({})).httpStatus).toBe(200);
  });

  it('times out connecting (retryable, not applied) when the TLS handshake never completes', async () => {
    // A loopback listener that accepts and never speaks: the https connect waits for a handshake.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    const agent = new Agent({ connect: { timeout: 150 } });
    try {
      const { port } = silent.address() as net.AddressInfo;
      const client = createWebexClient({
        baseUrl: `https://127.0.0.1:${port}/v1`,
        dispatcher: agent,
        tokens: createStaticTokenProvider(SIM_TOKEN),
        logger: createSilentLogger(),
      });
      const err = (await client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
      expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_TIMEOUT', retryable: true });
      expect(err.message).toContain('UND_ERR_CONNECT_TIMEOUT');
      expect(err.facts.maybeApplied).toBe(false);
    } finally {
      await agent.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports a connection refused as retryable and not applied', async () => {
    env = await startSimAndClient();
    const deadUrl = env.sim.baseUrl;
    await env.sim.close();
    const agent = new Agent();
    const client = createWebexClient({ baseUrl: deadUrl, dispatcher: agent, tokens: createStaticTokenProvider(SIM_TOKEN), logger: createSilentLogger() });
    const err = (await client.broadworks.createSubscriber(bwCreate()).catch((e: unknown) => e)) as WebexError;
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_CONNECTION', retryable: true });
    expect(err.facts.maybeApplied).toBe(false);
    await agent.close();
  });

  it('names the static token source when Webex refuses it', async () => {
    env = await startSimAndClient({}, { tokens: createStaticTokenProvider('wrong-token-123456') });
    const err = (await env.client.broadworks.listSubscribers({}).catch((e: unknown) => e)) as WebexError;
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', retryable: false, httpStatus: 401 });
    expect(err.message).toContain('webex.token (IMP_BRIDGE_WEBEX_TOKEN)');
  });
});
