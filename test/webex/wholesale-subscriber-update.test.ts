import type { WholesaleCustomer } from '../../src/pipeline/webex-port';
import { customerCreate, eventually, SIM_TOKEN, startSimAndClient, type SimAndClient } from './sim-fixtures';

/** PUT /wholesale/subscribers/{id} in the simulator: checked against the state before any change. */
describe('Webex simulator: Wholesale subscriber update', () => {
  let env: SimAndClient;
  let customer: WholesaleCustomer;
  beforeEach(async () => {
    env = await startSimAndClient({ customerProvisioningDelayMs: 1 });
    const created = await env.client.wholesale.createCustomer(customerCreate());
    customer = await eventually(async () => {
      const got = await env.client.wholesale.getCustomer(created.data.url);
      return got.data.status === 'provisioned' ? got.data : undefined;
    });
  });
  afterEach(() => env.close());

  const meetingsUser = async () =>
    (
      await env.client.wholesale.createSubscriber({
        customerId: customer.id,
        email: 'meet@acme.example',
        packages: ['webex_meetings'],
        provisioningParameters: {},
      })
    ).data;

  it('refuses meetings → calling without a number or extension (400) and leaves the subscriber as it was', async () => {
    const sub = await meetingsUser();
    const before = structuredClone(env.sim.state.wholesaleSubscribers.get(sub.id));
    await expect(env.client.wholesale.updateSubscriber(sub.id, { packages: ['webex_calling'] })).rejects.toMatchObject({
      code: 'IMPB_ERR_WEBEX_REJECTED',
      httpStatus: 400,
    });
    expect(env.sim.state.wholesaleSubscribers.get(sub.id)).toEqual(before);
    expect((await env.client.wholesale.getSubscriber(sub.id)).data.packages).toEqual(['webex_meetings']);
    expect(env.sim.state.wholesaleCalling.has(sub.id)).toBe(false);
  });

  it('applies provisioningParameters when moving to a calling package, and ignores them for a calling user', async () => {
    const sub = await meetingsUser();
    const moved = await env.client.wholesale.updateSubscriber(sub.id, {
      packages: ['webex_calling'],
      provisioningParameters: { extension: '4001', locationId: 'LOC-9' },
    });
    expect(moved.data).toMatchObject({ packages: ['webex_calling'], package: 'webex_calling' });
    expect(env.sim.state.wholesaleCalling.get(sub.id)).toEqual({ extension: '4001', locationId: 'LOC-9' });

    // Already calling: the spec says the parameters are optional and ignored.
    await env.client.wholesale.updateSubscriber(sub.id, { packages: ['webex_suite'], provisioningParameters: { extension: '9999' } });
    expect(env.sim.state.wholesaleCalling.get(sub.id)).toEqual({ extension: '4001', locationId: 'LOC-9' });
    expect((await env.client.wholesale.getSubscriber(sub.id)).data.packages).toEqual(['webex_suite']);
  });

  it('accepts only one package in packages (client refuses to send, simulator answers 400)', async () => {
    const sub = await meetingsUser();
    await expect(env.client.wholesale.updateSubscriber(sub.id, { packages: ['webex_meetings', 'webex_calling'] })).rejects.toMatchObject({
      code: 'IMPB_ERR_WEBEX_REQUEST_INVALID',
    });
    await expect(
      env.client.wholesale.createSubscriber({
        customerId: customer.id,
        email: 'two@acme.example',
        packages: ['webex_meetings', 'webex_voice'],
        provisioningParameters: {},
      }),
    ).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_REQUEST_INVALID' });
    expect(env.sim.requestLog.filter((r) => r.method === 'PUT' || r.path.endsWith('/wholesale/subscribers'))).toHaveLength(1);

    const raw = await fetch(`${env.sim.baseUrl}/wholesale/subscribers/${sub.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SIM_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ packages: ['webex_meetings', 'webex_calling'] }),
    });
    expect(raw.status).toBe(400);
    expect(env.sim.state.wholesaleSubscribers.get(sub.id)!.packages).toEqual(['webex_meetings']);
  });
});
