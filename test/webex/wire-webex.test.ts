import { SIMULATOR_PARTNER_ORG_UUID } from '../../src/webex/simulator';
import { stoppedAfterEachTest } from '../helpers/start-bridge';
import { PARTNER_ORG_SETTINGS_KEY } from '../../src/webex/partner-org';
import { bwCreate, eventually, SIM_TOKEN } from './sim-fixtures';

describe('wireWebex: start-up target', () => {
  const started = stoppedAfterEachTest();

  it('without Webex credentials provisions against the built-in simulator, says so loudly, and is ready', async () => {
    const bridge = await started.bridge({ webex: { simulatorProvisioningDelayMs: 5 } });
    const webex = bridge.bridge.parts.webex;
    expect(webex.simulated).toBe(true);
    expect(webex.simulator).toBeDefined();
    expect(webex.baseUrl).toBe(webex.simulator!.baseUrl);
    expect(webex.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(bridge.logs.some((l) => l.level === 'warn' && l.event === 'webex.simulated' && String(l.message).includes('BUILT-IN WEBEX SIMULATOR'))).toBe(true);

    const ready = await fetch(`${bridge.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.webex).toEqual({ ok: true });

    const created = await webex.client.broadworks.createSubscriber(bwCreate(), { userId: 'alice@sp.example', jobId: 1 });
    await eventually(async () => ((await webex.client.broadworks.getSubscriber(created.data.id)).data.status === 'provisioned' ? true : undefined));
    const calls = await bridge.bridge.parts.store.webexCalls.list({ userId: 'alice@sp.example' });
    expect(calls.find((c) => c.operation === 'broadworks.createSubscriber')).toMatchObject({ httpStatus: 200, trackingId: created.trackingId, jobId: 1 });
    const metrics = await bridge.bridge.parts.metrics.metrics();
    expect(metrics).toMatch(/impb_webex_calls_total\{operation="broadworks.createSubscriber",status="200"\} 1/);
    expect(metrics).toContain('impb_webex_call_duration_seconds_bucket');
    expect(metrics).toContain('impb_webex_rate_limited_total 0');
  });

  it('knows the partner org from GET /people/me at start, persists it, and asks Webex only once', async () => {
    const bridge = await started.bridge({ webex: { simulatorProvisioningDelayMs: 5 } });
    const webex = bridge.bridge.parts.webex;
    const expected = Buffer.from(`ciscospark://us/ORGANIZATION/${SIMULATOR_PARTNER_ORG_UUID}`).toString('base64').replace(/=+$/, '');
    expect(await bridge.bridge.parts.store.settings.get(PARTNER_ORG_SETTINGS_KEY)).toBe(expected);
    const { partnerOrgId } = webex; // a plain function: callers may detach it
    expect(await partnerOrgId()).toBe(expected);
    expect(await webex.partnerOrgId()).toBe(expected);
    expect(webex.simulator!.requestLog.filter((r) => r.path === '/v1/people/me')).toHaveLength(1);
    expect(bridge.logs.some((l) => l.event === 'webex.partner_org' && l.orgId === expected)).toBe(true);
  });

  it('starts and serves without the partner org when Webex cannot say (one warning)', async () => {
    const sim = await started.simulator({ token: SIM_TOKEN, provisioningDelayMs: 5, faults: { failNext: { status: 403, count: 1, path: '/people/me' } } });
    const bridge = await started.bridge({ webex: { baseUrl: sim.baseUrl, token: SIM_TOKEN } });
    const webex = bridge.bridge.parts.webex;
    await eventually(() => (sim.requestLog.some((r) => r.path === '/v1/people/me' && r.status === 403) ? true : undefined));
    await eventually(() => (bridge.logs.some((l) => l.event === 'webex.partner_org.unavailable' && l.level === 'warn') ? true : undefined));
    expect(await bridge.bridge.parts.store.settings.get(PARTNER_ORG_SETTINGS_KEY)).toBeUndefined();
    await webex.client.broadworks.createSubscriber(bwCreate());
    expect(sim.stats().creates.broadworksSubscribers).toBe(1);
  });

  it('with webex.baseUrl + webex.token (IMP_BRIDGE_WEBEX_BASE_URL / IMP_BRIDGE_WEBEX_TOKEN) calls that endpoint', async () => {
    const sim = await started.simulator({ token: SIM_TOKEN, provisioningDelayMs: 5 });
    const bridge = await started.bridge({ webex: { baseUrl: sim.baseUrl, token: SIM_TOKEN } });
    const webex = bridge.bridge.parts.webex;
    expect(webex.simulated).toBe(false);
    expect(webex.simulator).toBeUndefined();
    expect(webex.baseUrl).toBe(sim.baseUrl);
    await webex.client.broadworks.createSubscriber(bwCreate());
    expect(sim.stats().creates.broadworksSubscribers).toBe(1);
    expect(bridge.logText()).not.toContain(SIM_TOKEN);
  });

  it('the built-in simulator trusts emails exactly where the templates do', async () => {
    const account = { username: 'as-1', password: 'Passw0rd-1' };
    const bridge = await started.bridge({
      webex: { simulatorProvisioningDelayMs: 5 },
      templates: [
        { name: 'trusting', provisioningId: 'PROV-T', package: 'standard', trustedEmail: true, account },
        { name: 'doubting', provisioningId: 'PROV-U', package: 'standard', account },
      ],
    });
    const { client } = bridge.bridge.parts.webex;
    expect((await client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-T' }))).data.status).toBe('provisioning');
    expect((await client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-U', userId: 'u@sp.example' }))).data.status).toBe(
      'pending_email_validation',
    );
  });

  it('counts 429 answers in impb_webex_rate_limited_total', async () => {
    const bridge = await started.bridge();
    const webex = bridge.bridge.parts.webex;
    webex.simulator!.setFaults({ failNext: { status: 429, count: 1 } });
    await expect(webex.client.broadworks.listSubscribers({})).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_RATE_LIMITED' });
    expect(await bridge.bridge.parts.metrics.metrics()).toContain('impb_webex_rate_limited_total 1');
  });
});
