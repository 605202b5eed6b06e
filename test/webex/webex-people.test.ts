import { customerCreate, bwCreate, eventually, startSimAndClient, type SimAndClient } from './sim-fixtures';

/** GET /people/{personId}: the customer org of a provisioned subscriber (support data). */
describe('Webex client and simulator: people.getPerson', () => {
  let env: SimAndClient;
  beforeEach(async () => {
    env = await startSimAndClient({ customerProvisioningDelayMs: 1 });
  });
  afterEach(() => env.close());

  const provisioned = async (id: string) =>
    eventually(async () => {
      const got = await env.client.broadworks.getSubscriber(id);
      return got.data.status === 'provisioned' ? got.data : undefined;
    });

  it('answers a BroadWorks subscriber as a person of one customer org per spEnterpriseId, never the partner org', async () => {
    const alice = await provisioned((await env.client.broadworks.createSubscriber(bwCreate())).data.id);
    const bob = await provisioned((await env.client.broadworks.createSubscriber(bwCreate({ userId: 'bob@sp.example', email: 'bob@acme.example' }))).data.id);
    const carol = await provisioned(
      (await env.client.broadworks.createSubscriber(bwCreate({ userId: 'carol@sp.example', spEnterpriseId: 'SP1+globex', email: 'carol@globex.example' }))).data
        .id,
    );

    const person = await env.client.people.getPerson(alice.personId!);
    expect(person.httpStatus).toBe(200);
    expect(person.data).toMatchObject({ id: alice.personId, emails: ['alice@acme.example'], orgId: expect.any(String) });
    expect(Buffer.from(person.data.orgId, 'base64').toString()).toMatch(/^ciscospark:\/\/us\/ORGANIZATION\/[0-9a-f-]{36}$/);
    expect(person.data.orgId).toBe(env.sim.state.broadworksCustomerOrgs.get('SP1+acme'));
    expect((await env.client.people.getPerson(bob.personId!)).data.orgId).toBe(person.data.orgId);
    expect((await env.client.people.getPerson(carol.personId!)).data.orgId).not.toBe(person.data.orgId);
    expect(person.data.orgId).not.toBe((await env.client.people.me()).data.orgId);
    expect(env.calls.at(-2)).toMatchObject({
      operation: 'people.getPerson',
      method: 'GET',
      path: `/people/${encodeURIComponent(carol.personId!)}`,
      httpStatus: 200,
    });
  });

  it('answers a Wholesale subscriber in its customer org, with the calling settings it was given', async () => {
    const created = await env.client.wholesale.createCustomer(customerCreate());
    const customer = await eventually(async () => {
      const got = await env.client.wholesale.getCustomer(created.data.url);
      return got.data.status === 'provisioned' ? got.data : undefined;
    });
    const sub = await env.client.wholesale.createSubscriber({
      customerId: customer.id,
      email: 'dan@acme.example',
      packages: ['webex_calling'],
      provisioningParameters: { extension: '3001', locationId: 'LOC-1' },
    });
    const person = await env.client.people.getPerson(sub.data.personId!);
    expect(person.data).toMatchObject({ id: sub.data.personId, orgId: customer.orgId, emails: ['dan@acme.example'], extension: '3001', locationId: 'LOC-1' });
  });

  it('answers 404 for an unknown person and refuses an empty id without a call', async () => {
    await expect(env.client.people.getPerson('Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ub2JvZHk')).rejects.toMatchObject({
      code: 'IMPB_ERR_WEBEX_NOT_FOUND',
      httpStatus: 404,
    });
    await expect(env.client.people.getPerson('')).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_REQUEST_INVALID' });
    expect(env.sim.stats().requests).toBe(1);
    expect(env.sim.stats().byOperation['GET /people/{id}']).toBe(1);
  });
});
