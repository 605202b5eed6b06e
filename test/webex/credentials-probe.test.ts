import { createMetricsRegistry } from '../../src/observability';
import { createWebexCredentialsProbe } from '../../src/webex/credentials-probe';
import { startWebexSimulator } from '../../src/webex/simulator';
import { captureLogger } from '../helpers/capture-logger';
import { stoppedAfterEachTest, type TestBridge } from '../helpers/start-bridge';
import { bwCreate, eventually, SIM_TOKEN } from './sim-fixtures';

async function readyz(t: TestBridge): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean; reason?: string }> } }> {
  const res = await fetch(`${t.adminUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; reason?: string }> } };
}

async function metric(t: TestBridge, pattern: RegExp): Promise<string | undefined> {
  return pattern.exec(await t.bridge.parts.metrics.metrics())?.[1];
}

describe('Webex credentials probe', () => {
  const started = stoppedAfterEachTest();

  it('a refused token makes /readyz not ready and the gauge 0; once Webex accepts it again the probe recovers, calls the listener and /readyz is ready', async () => {
    const sim = await started.simulator({ token: SIM_TOKEN, provisioningDelayMs: 5, faults: { refuseTokens: true } });
    const bridge = await started.bridge({
      webex: { baseUrl: sim.baseUrl, token: SIM_TOKEN, credentialsRetryIntervalMs: 100, credentialsCheckIntervalMs: 60_000 },
    });
    const { credentials } = bridge.bridge.parts.webex;
    const recovered: number[] = [];
    credentials.onRecovered(() => recovered.push(Date.now()));

    await eventually(() => (credentials.status().checkedAt ? true : undefined));
    const refused = await readyz(bridge);
    expect(refused.status).toBe(503);
    expect(refused.body.status).toBe('not ready');
    expect(refused.body.checks.webex!.ok).toBe(false);
    expect(refused.body.checks.webex!.reason).toMatch(/^Webex credentials refused \(401\): fix webex\.token \(IMP_BRIDGE_WEBEX_TOKEN\)/);
    expect(credentials.status()).toMatchObject({ ok: false, httpStatus: 401, errorCode: 'IMPB_ERR_WEBEX_UNAUTHORIZED', trackingId: expect.any(String) });
    expect(await metric(bridge, /^impb_webex_credentials_valid (\d+)$/m)).toBe('0');
    expect(Number(await metric(bridge, /^impb_webex_credentials_checks_total\{outcome="refused"\} (\d+)$/m))).toBeGreaterThanOrEqual(1);
    // One error line says what to fix, not one per check.
    await eventually(() => (sim!.stats().unauthorized >= 3 ? true : undefined));
    expect(bridge.logs.filter((l) => l.event === 'webex.credentials.refused')).toHaveLength(1);
    expect(recovered).toEqual([]);

    sim.setFaults({ refuseTokens: false });
    await eventually(() => (recovered.length > 0 ? true : undefined));
    expect(recovered).toHaveLength(1);
    expect(credentials.status()).toMatchObject({ ok: true, httpStatus: 200 });
    const ready = await readyz(bridge);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.webex).toEqual({ ok: true });
    expect(await metric(bridge, /^impb_webex_credentials_valid (\d+)$/m)).toBe('1');
    expect(Number(await metric(bridge, /^impb_webex_credentials_checks_total\{outcome="valid"\} (\d+)$/m))).toBeGreaterThanOrEqual(1);
    expect(bridge.logs.some((l) => l.event === 'webex.credentials.recovered')).toBe(true);
  });

  it('valid credentials are checked once at start (the partner org look-up is that check) and /readyz is ready', async () => {
    const bridge = await started.bridge({ webex: { simulatorProvisioningDelayMs: 5 } });
    const { credentials, simulator } = bridge.bridge.parts.webex;
    expect(credentials.status()).toMatchObject({ ok: true, httpStatus: 200, checkedAt: expect.any(String) });
    expect(simulator!.requestLog.filter((r) => r.path === '/v1/people/me')).toHaveLength(1);
    expect((await readyz(bridge)).status).toBe(200);
    expect(await metric(bridge, /^impb_webex_credentials_valid (\d+)$/m)).toBe('1');
  });

  it('a 401 met by any call while the credentials looked valid triggers a check at once', async () => {
    const bridge = await started.bridge({ webex: { simulatorProvisioningDelayMs: 5, credentialsCheckIntervalMs: 600_000 } });
    const { credentials, simulator, client } = bridge.bridge.parts.webex;
    simulator!.setFaults({ refuseTokens: true });
    await expect(client.broadworks.createSubscriber(bwCreate())).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_UNAUTHORIZED' });
    await eventually(() => (credentials.status().ok === false ? true : undefined));
    expect((await readyz(bridge)).status).toBe(503);
  });
});

describe('simulator fault refuseTokens', () => {
  it('is flipped at run time through the control endpoint: every API call answers 401, then the token works again', async () => {
    const sim = await startWebexSimulator({ token: SIM_TOKEN });
    try {
      const me = () => fetch(`${sim.baseUrl}/people/me`, { headers: { authorization: `Bearer ${SIM_TOKEN}` } }).then((r) => r.status);
      const control = (body: unknown) =>
        fetch(sim.baseUrl.replace(/\/v1$/, '/_simulator/faults'), {
          method: 'POST',
          headers: { authorization: `Bearer ${SIM_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect(await me()).toBe(200);
      expect((await control({ refuseTokens: true })).status).toBe(200);
      expect(await me()).toBe(401);
      expect(sim.stats().unauthorized).toBe(1);
      await control({ refuseTokens: null });
      expect(await me()).toBe(200);
    } finally {
      await sim.close();
    }
  });
});

describe('createWebexCredentialsProbe (unit)', () => {
  it('Webex not answering is "unreachable": the verdict stands and readiness does not flip', async () => {
    const results: Array<() => Promise<{ data: unknown; httpStatus: number; trackingId: string }>> = [
      async () => ({ data: {}, httpStatus: 200, trackingId: 'T1' }),
      async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    ];
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const probe = createWebexCredentialsProbe({
      check: () => results.shift()!(),
      source: 'webex.token',
      logger: captureLogger().logger,
      metrics,
      intervalMs: 600_000,
      failingIntervalMs: 600_000,
    });
    await probe.start();
    expect(await probe.readiness.check()).toBe(true);
    await probe.check();
    expect(probe.status()).toMatchObject({ ok: true });
    expect(await probe.readiness.check()).toBe(true);
    expect(await metrics.metrics()).toMatch(/impb_webex_credentials_checks_total\{outcome="unreachable"\} 1/);
    await probe.close();
  });

  it('a 403 to GET /people/me (a token without the People scope) is inconclusive: ready, one warning, not refused', async () => {
    const { WebexError } = await import('../../src/errors');
    const check = async () => {
      throw new WebexError('IMPB_ERR_WEBEX_FORBIDDEN', {
        operation: 'people.me',
        method: 'GET',
        path: '/people/me',
        httpStatus: 403,
        trackingId: 'T3',
        webexErrors: [],
        maybeApplied: false,
      });
    };
    const { logger, lines } = captureLogger();
    const metrics = createMetricsRegistry({ defaultMetrics: false });
    const probe = createWebexCredentialsProbe({ check, source: 'webex.token', logger, metrics, intervalMs: 600_000, failingIntervalMs: 600_000 });
    await probe.start();
    await probe.check();
    expect(await probe.readiness.check()).toBe(true);
    expect(probe.status()).toMatchObject({ ok: false, httpStatus: 403, errorCode: 'IMPB_ERR_WEBEX_FORBIDDEN', trackingId: 'T3' });
    expect(lines.filter((l) => l.includes('webex.credentials.inconclusive') && l.includes('"level":"warn"'))).toHaveLength(1);
    expect(await metrics.metrics()).toMatch(/impb_webex_credentials_checks_total\{outcome="inconclusive"\} 2/);
    await probe.close();
  });

  it('a listener that throws or rejects is logged, and the others still run', async () => {
    let refuse = true;
    const { WebexError } = await import('../../src/errors');
    const check = async () => {
      if (refuse)
        throw new WebexError('IMPB_ERR_WEBEX_UNAUTHORIZED', {
          operation: 'people.me',
          method: 'GET',
          path: '/people/me',
          httpStatus: 401,
          trackingId: 'T',
          webexErrors: [],
          maybeApplied: false,
        });
      return { data: {}, httpStatus: 200, trackingId: 'T2' };
    };
    const { logger, lines } = captureLogger();
    const probe = createWebexCredentialsProbe({
      check,
      source: 'webex.token',
      logger,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      intervalMs: 600_000,
      failingIntervalMs: 600_000,
    });
    let called = 0;
    probe.onRecovered(() => {
      throw new Error('listener bug');
    });
    probe.onRecovered(async () => Promise.reject(new Error('async listener bug')));
    probe.onRecovered(() => (called += 1));
    await probe.start();
    expect(await probe.readiness.check()).toMatch(/^Webex credentials refused \(401\)/);
    refuse = false;
    await probe.check();
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(1);
    expect(lines.filter((l) => l.includes('webex.credentials.listener_failed'))).toHaveLength(2);
    await probe.close();
  });
});
