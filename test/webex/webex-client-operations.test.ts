import { WebexError } from '../../src/errors';
import { bwCreate, customerCreate, eventually, startSimAndClient, type SimAndClient } from './sim-fixtures';

describe('Webex client against the simulator (real sockets)', () => {
  let env: SimAndClient;
  beforeEach(async () => {
    env = await startSimAndClient({ preMappedUserIds: ['taken@sp.example'], untrustedEmailProvisioningIds: ['PROV-UNTRUSTED'] });
  });
  afterEach(() => env.close());

  it('provisions, reads, updates, lists and removes a BroadWorks subscriber, echoing the TrackingID', async () => {
    const created = await env.client.broadworks.createSubscriber(bwCreate(), { userId: 'alice@sp.example', jobId: 7 });
    expect(created.httpStatus).toBe(200);
    expect(created.data.status).toBe('provisioning');
    expect(created.trackingId).toMatch(/^IMPB_[0-9a-f-]{36}$/);
    expect(Buffer.from(created.data.id, 'base64').toString()).toMatch(/^ciscospark:\/\/us\/SUBSCRIBER\/[0-9a-f-]{36}$/);
    expect(created.data.selfActivated).toBe(false);
    expect(env.sim.requestLog.at(-1)).toMatchObject({ method: 'POST', status: 200, trackingId: created.trackingId });

    const provisioned = await eventually(async () => {
      const got = await env.client.broadworks.getSubscriber(created.data.id);
      return got.data.status === 'provisioned' ? got : undefined;
    });
    expect(provisioned.data.personId).toEqual(expect.any(String));

    const updated = await env.client.broadworks.updateSubscriber(created.data.id, { firstName: 'Alicia', mobilePhoneNumber: '' });
    expect(updated.data).toMatchObject({ status: 'updating', firstName: 'Alicia' });
    await eventually(async () => ((await env.client.broadworks.getSubscriber(created.data.id)).data.status === 'provisioned' ? true : undefined));

    const listed = await env.client.broadworks.listSubscribers({ userId: 'alice@sp.example' });
    expect(listed.data.map((s) => s.id)).toEqual([created.data.id]);

    const pre = await env.client.broadworks.precheck({
      email: 'bob@acme.example',
      provisioningId: 'PROV-1',
      customerInfo: { primaryEmail: 'admin@acme.example' },
    });
    expect(pre.data.message).toBe('success');

    const removed = await env.client.broadworks.deleteSubscriber(created.data.id);
    expect(removed.httpStatus).toBe(204);
    await expect(env.client.broadworks.getSubscriber(created.data.id)).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_NOT_FOUND', retryable: false });

    expect(env.calls.find((c) => c.operation === 'broadworks.createSubscriber')).toMatchObject({
      method: 'POST',
      path: '/broadworks/subscribers',
      httpStatus: 200,
      jobId: 7,
      userId: 'alice@sp.example',
    });
  });

  it('answers pending_email_input without email (untrusted template), and a later error 10022 for a user id already mapped', async () => {
    const noEmail = await env.client.broadworks.createSubscriber(
      bwCreate({ userId: 'noemail@sp.example', email: undefined, provisioningId: 'PROV-UNTRUSTED' }),
    );
    expect(noEmail.data.status).toBe('pending_email_input');
    const taken = await env.client.broadworks.createSubscriber(bwCreate({ userId: 'taken@sp.example' }));
    const failed = await eventually(async () => {
      const got = await env.client.broadworks.getSubscriber(taken.data.id);
      return got.data.status === 'error' ? got : undefined;
    });
    expect(failed.data.errors?.[0]).toMatchObject({ errorCode: 10022 });
  });

  it('throws a permanent WebexError with Webex message, errorCode 1001 and TrackingID on a 400', async () => {
    const err = (await env.client.broadworks.createSubscriber(bwCreate({ firstName: '' })).catch((e: unknown) => e)) as WebexError;
    expect(err).toBeInstanceOf(WebexError);
    expect(err.code).toBe('IMPB_ERR_WEBEX_REJECTED');
    expect(err.retryable).toBe(false);
    expect(err.httpStatus).toBe(400);
    expect(err.webexErrorCode).toBe('1001');
    expect(err.facts.webexErrors[0]?.description).toContain('firstName');
    expect(err.trackingId).toMatch(/^IMPB_/);
    expect(err.facts.maybeApplied).toBe(false);
  });

  it('runs the Wholesale customer and subscriber lifecycle', async () => {
    const created = await env.client.wholesale.createCustomer(customerCreate());
    expect(created.httpStatus).toBe(202);
    expect(created.data.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/wholesale\/customers\//);
    const customer = await eventually(async () => {
      const got = await env.client.wholesale.getCustomer(created.data.url);
      return got.data.status === 'provisioned' ? got.data : undefined;
    });
    expect(customer.orgId).toEqual(expect.any(String));
    expect((await env.client.wholesale.listCustomers({ externalId: 'SP1+acme' })).data.map((c) => c.id)).toEqual([customer.id]);

    // calling package without number or extension: 400 naming the field
    await expect(
      env.client.wholesale.createSubscriber({
        customerId: customer.id,
        email: 'x@acme.example',
        packages: ['webex_calling'],
        provisioningParameters: { firstName: 'X', lastName: 'Y' },
      }),
    ).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_REJECTED', httpStatus: 400 });

    const sub = await env.client.wholesale.createSubscriber({
      customerId: customer.id,
      email: 'bob@acme.example',
      packages: ['webex_calling'],
      provisioningParameters: { firstName: 'Bob', lastName: 'B', extension: '2001' },
    });
    expect(sub.httpStatus).toBe(200);
    expect(sub.data.status).toBe('provisioned');
    expect((await env.client.wholesale.getSubscriber(sub.data.id)).data.email).toBe('bob@acme.example');
    expect((await env.client.wholesale.listSubscribers({ customerId: customer.id })).data).toHaveLength(1);
    expect((await env.client.wholesale.updateSubscriber(sub.data.id, { packages: ['webex_suite'] })).data.packages).toEqual(['webex_suite']);
    expect((await env.client.wholesale.precheck({ email: 'carol@acme.example', customerId: customer.id, packages: ['webex_meetings'] })).data.message).toBe(
      'success',
    );
    expect((await env.client.wholesale.deleteSubscriber(sub.data.id)).httpStatus).toBe(204);

    const upd = await env.client.wholesale.updateCustomer(customer.id, { packages: ['webex_calling', 'webex_meetings'] });
    expect(upd.httpStatus).toBe(202);
    expect((await env.client.wholesale.deleteCustomer(customer.id)).httpStatus).toBe(202);
  });

  it('refuses to send a Wholesale subscriber with both package and packages', async () => {
    await expect(
      env.client.wholesale.createSubscriber({
        customerId: 'c',
        email: 'e@x',
        package: 'webex_calling',
        packages: ['webex_calling'],
        provisioningParameters: {},
      }),
    ).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_REQUEST_INVALID' });
    expect(env.sim.stats().requests).toBe(0);
  });

  it('answers 423 (retryable) for a subscriber of a customer still provisioning', async () => {
    await env.sim.close();
    env = await startSimAndClient({ customerProvisioningDelayMs: 60_000 });
    const created = await env.client.wholesale.createCustomer(customerCreate());
    const id = created.data.url.split('/').pop()!;
    await expect(
      env.client.wholesale.createSubscriber({ customerId: id, email: 'b@acme.example', packages: ['webex_meetings'], provisioningParameters: {} }),
    ).rejects.toMatchObject({ code: 'IMPB_ERR_WEBEX_UNAVAILABLE', retryable: true, httpStatus: 423 });
  });
});
