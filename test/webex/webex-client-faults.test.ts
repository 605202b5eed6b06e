import { Agent } from 'undici';
import { WebexError } from '../../src/errors';
import { createSilentLogger } from '../../src/observability';
import { createStaticTokenProvider } from '../../src/webex/tokens/token-provider';
import { createWebexClient } from '../../src/webex/webex-client';
import { bwCreate, SIM_TOKEN, startSimAndClient, type SimAndClient } from './sim-fixtures';

describe('Webex client: pagination and faults (simulator over sockets)', () => {
  let env: SimAndClient;
  afterEach(() => env?.close());

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

  it('follows intact next links too, for Wholesale lists (offset pagination)', async () => {
    env = await startSimAndClient({ customerProvisioningDelayMs: 1 });
    for (let i = 0; i < 5; i++) {
      await env.client.wholesale.createCustomer({
        provisioningId: 'P',
        packages: ['webex_meetings'],
        externalId: `ext-${i}`,
        address: { addressLine1: 'a', city: 'c', country: 'US' },
      });
    }
    env.sim.setFaults({ brokenNextLinks: true });
    const res = await env.client.wholesale.listCustomers({});
    expect(res.data).toHaveLength(5);
  });

  it.each([
    ['1', 1000],
    ['7', 7000],
    ['0', 10_000],
    [undefined, 10_000],
    ['rand(30),add(30)', 10_000],
  ])('maps 429 with Retry-After %p to a retryable error with retryAfterMs %p', async (retryAfter, expected) => {
    env = await startSimAndClient({ faults: { failNext: { status: 429, count: 1 }, ...(retryAfter === undefined ? {} : { retryAfter }) } });
    if (retryAfter === undefined) {
      // the simulator sends '1' by default: serve a 429 without the header through a crafted value
      env.sim.setFaults({ retryAfter: '' });
    }
    const err = (await env.client.broadworks.listSubscribers({}).catch((e: unknown) => e)) as WebexError;
    expect(err).toBeInstanceOf(WebexError);
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_RATE_LIMITED', retryable: true, httpStatus: 429 });
    expect(err.facts.retryAfterMs).toBe(expected);
    expect(err.facts.retryAfterMs).toBeGreaterThanOrEqual(1000);
    // no retry inside the client
    expect(env.sim.stats().requests).toBe(1);
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
