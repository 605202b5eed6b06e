import { bwCreate, eventually, startSimAndClient, type SimAndClient } from './sim-fixtures';

/**
 * Trusted vs untrusted emails belong to the Partner Hub template the provisioningId names; the
 * spec makes the email "mandatory for the trusted email provisioning flow".
 */
describe('Webex simulator: BroadWorks subscriber POST by email trust', () => {
  let env: SimAndClient;
  beforeEach(async () => {
    env = await startSimAndClient({ untrustedEmailProvisioningIds: ['PROV-UNTRUSTED'] });
  });
  afterEach(() => env.close());

  it('trusted + email: provisioning, then provisioned', async () => {
    const created = await env.client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-1' }));
    expect(created.data.status).toBe('provisioning');
    await eventually(async () => ((await env.client.broadworks.getSubscriber(created.data.id)).data.status === 'provisioned' ? true : undefined));
  });

  it('trusted without email: refused with 400 naming the email', async () => {
    const err = await env.client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-1', email: undefined })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_REJECTED', httpStatus: 400, webexErrorCode: '1001' });
    expect((err as { facts: { webexErrors: Array<{ description: string }> } }).facts.webexErrors[0]!.description).toMatch(/email.*trusted/);
    expect(env.sim.state.broadworksSubscribers.size).toBe(0);
  });

  it('untrusted + email: pending_email_validation (the user must confirm the address)', async () => {
    const created = await env.client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-UNTRUSTED' }));
    expect(created.data.status).toBe('pending_email_validation');
    expect(created.data.email).toBe('alice@acme.example');
  });

  it('untrusted without email: pending_email_input', async () => {
    const created = await env.client.broadworks.createSubscriber(bwCreate({ provisioningId: 'PROV-UNTRUSTED', email: undefined }));
    expect(created.data.status).toBe('pending_email_input');
  });
});
