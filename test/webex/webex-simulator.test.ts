import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { SIM_TOKEN } from './sim-fixtures';

describe('Webex simulator HTTP behaviour', () => {
  let sim: WebexSimulator;
  beforeEach(async () => {
    sim = await startWebexSimulator({ token: SIM_TOKEN, provisioningDelayMs: 5 });
  });
  afterEach(() => sim.close());

  const auth = { authorization: `Bearer ${SIM_TOKEN}`, 'content-type': 'application/json' };
  /** POST /broadworks/subscribers for `userId`, every other field valid. */
  const createSubscriber = (userId: string) =>
    fetch(`${sim.baseUrl}/broadworks/subscribers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        provisioningId: 'p',
        userId,
        spEnterpriseId: 'SP1+acme',
        firstName: 'f',
        lastName: 'l',
        package: 'basic',
        email: `${userId.split('@')[0]}@acme.example`,
      }),
    });

  it('answers 401 with a Webex error body without a bearer token, echoing the TrackingID', async () => {
    const res = await fetch(`${sim.baseUrl}/broadworks/subscribers`, { headers: { trackingid: 'T_1' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('trackingid')).toBe('T_1');
    expect(await res.json()).toMatchObject({ message: expect.any(String), errors: [{ description: expect.any(String) }], trackingId: 'T_1' });
  });

  it('answers 400 errorCode 1001 naming the missing field', async () => {
    const res = await fetch(`${sim.baseUrl}/broadworks/subscribers`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ provisioningId: 'p', userId: 'u', firstName: 'f', lastName: 'l', package: 'basic' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ errorCode: number; description: string }> };
    expect(body.errors[0]).toMatchObject({ errorCode: 1001, description: expect.stringContaining('spEnterpriseId') });
  });

  it('caps max at 100, defaults to 50, and refuses max=null', async () => {
    for (let i = 0; i < 120; i++) sim.state.broadworksSubscribers.set(`id${i}`, { id: `id${i}`, userId: `u${i}`, status: 'provisioned' });
    const page = async (q: string) => fetch(`${sim.baseUrl}/broadworks/subscribers${q}`, { headers: auth });
    expect(((await (await page('')).json()) as { items: unknown[] }).items).toHaveLength(50);
    const big = await page('?max=500');
    expect(((await big.json()) as { items: unknown[] }).items).toHaveLength(100);
    expect(big.headers.get('link')).toMatch(/rel="next"/);
    expect((await page('?max=null')).status).toBe(400);
  });

  it('logs what was answered at the time, not the record as it changed later', async () => {
    const res = await createSubscriber('u@sp.example');
    const sent = (await res.json()) as { id: string; status: string };
    expect(sent.status).toBe('provisioning');
    const until = Date.now() + 10_000;
    while (sim.state.broadworksSubscribers.get(sent.id)!.status !== 'provisioned' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(sim.state.broadworksSubscribers.get(sent.id)!.status).toBe('provisioned');
    expect(sim.requestLog.find((r) => r.method === 'POST')!.response).toEqual(sent);
  });

  it('counts a create for a user it had already created (and not failed) as a duplicate, in its stats', async () => {
    const create = createSubscriber;
    await create('twice@sp.example');
    await create('once@sp.example');
    expect(sim.stats().duplicateCreates).toBe(0);
    await create('twice@sp.example');
    expect(sim.stats()).toMatchObject({ duplicateCreates: 1, creates: { broadworksSubscribers: 3 } });
  });

  it('changes faults at run time through the control endpoint and reports stats', async () => {
    const set = await fetch(`${sim.baseUrl.replace(/\/v1$/, '')}/_simulator/faults`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ failNext: { status: 503, count: 2 }, retryAfter: 'rand(30),add(30)' }),
    });
    expect(set.status).toBe(200);
    const first = await fetch(`${sim.baseUrl}/broadworks/subscribers`, { headers: auth });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('rand(30),add(30)');
    expect((await fetch(`${sim.baseUrl}/broadworks/subscribers`, { headers: auth })).status).toBe(503);
    expect((await fetch(`${sim.baseUrl}/broadworks/subscribers`, { headers: auth })).status).toBe(200);
    await fetch(`${sim.baseUrl.replace(/\/v1$/, '')}/_simulator/faults`, { method: 'POST', headers: auth, body: JSON.stringify({ retryAfter: null }) });
    expect(sim.faults().retryAfter).toBeUndefined();
    const stats = (await (await fetch(`${sim.baseUrl.replace(/\/v1$/, '')}/_simulator/stats`, { headers: auth })).json()) as {
      requests: number;
      byOperation: Record<string, number>;
    };
    expect(stats.requests).toBe(3);
    expect(stats.byOperation['GET /broadworks/subscribers']).toBe(3);
    expect((await fetch(`${sim.baseUrl.replace(/\/v1$/, '')}/_simulator/stats`)).status).toBe(401);
  });
});
