import type { WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { bwCreate, customerCreate, eventually, startSimAndClient, type SimAndClient } from '../webex/sim-fixtures';
import { findSpecsDir, loadSpecValidator, specPathOf, type SpecValidator } from './openapi-schemas';

const specsDir = findSpecsDir();
if (!specsDir) {
  console.warn(
    'Webex OpenAPI contract tests skipped: ../shared/specs/webex (webex-broadworks.json, webex-wholesale.json) not found; set IMPB_WEBEX_SPECS_DIR to run them.',
  );
}
const describeIfSpecs = specsDir ? describe : describe.skip;

/** Every operation of the port, with every optional field the builders know, including the spec's edge cases. */
async function exerciseEveryOperation(client: WebexProvisioningApi): Promise<void> {
  const bw = await client.broadworks.createSubscriber(bwCreate({ mobilePhoneNumber: '+1-818-279-1234' }));
  await client.broadworks.createSubscriber(
    bwCreate({
      userId: 'minimal@sp.example',
      provisioningId: 'PROV-UNTRUSTED',
      email: undefined,
      primaryPhoneNumber: undefined,
      extension: undefined,
      language: undefined,
      timezone: undefined,
    }),
  );
  await eventually(async () => ((await client.broadworks.getSubscriber(bw.data.id)).data.status === 'provisioned' ? true : undefined));
  await client.broadworks.updateSubscriber(bw.data.id, {
    firstName: 'A',
    lastName: 'B',
    userId: 'alice@sp.example',
    mobilePhoneNumber: '',
    extension: '',
    primaryPhoneNumber: '+1-240-555-0000',
    timezone: 'Europe/Paris',
    package: 'premium',
  });
  await client.broadworks.listSubscribers({ spEnterpriseId: 'SP1+acme', status: 'updating', selfActivated: false, max: 1 });
  await client.broadworks.precheck({
    email: 'bob@acme.example',
    provisioningId: 'PROV-1',
    userId: 'bob@sp.example',
    spEnterpriseId: 'SP1+acme',
    firstName: 'Bob',
    lastName: 'B',
    package: 'basic',
    language: 'en',
    customerInfo: { primaryEmail: 'admin@acme.example' },
  });

  const created = await client.wholesale.createCustomer(
    customerCreate({
      orgId: undefined,
      provisioningParameters: {
        calling: { location: { name: 'HQ', timezone: 'America/Los_Angeles', language: 'en_us', emergencyLocationIdentifier: 'ELIN-1' } },
        meetings: { timezone: 'America/Los_Angeles' },
      },
    }),
  );
  await client.wholesale.createCustomer(customerCreate({ externalId: 'SP1+minimal', customerInfo: undefined, provisioningParameters: undefined }));
  const customer = await eventually(async () => {
    const got = await client.wholesale.getCustomer(created.data.url);
    return got.data.status === 'provisioned' ? got.data : undefined;
  });
  await client.wholesale.listCustomers({ externalId: 'SP1+acme' });
  await client.wholesale.updateCustomer(customer.id, {
    packages: ['webex_calling', 'webex_meetings'],
    externalId: 'SP1+acme',
    address: customerCreate().address,
  });
  await eventually(async () => ((await client.wholesale.getCustomer(customer.id)).data.status === 'provisioned' ? true : undefined));
  await client.wholesale.updateCustomer(customer.id, {
    packages: ['webex_calling', 'webex_meetings'],
    provisioningParameters: {
      calling: {
        location: { name: 'HQ', address: customerCreate().address, timezone: 'America/Los_Angeles', language: 'en_us', emergencyLocationIdentifier: 'ELIN-2' },
      },
      meetings: { timezone: 'America/Los_Angeles' },
    },
  });
  await eventually(async () => ((await client.wholesale.getCustomer(customer.id)).data.status === 'provisioned' ? true : undefined));
  const sub = await client.wholesale.createSubscriber({
    customerId: customer.id,
    email: 'bob@acme.example',
    packages: ['webex_calling'],
    provisioningParameters: { firstName: 'Bob', lastName: 'B', primaryPhoneNumber: '+1-240-555-2001', extension: '2001', locationId: 'LOC-1' },
  });
  const carol = await client.wholesale.createSubscriber({
    customerId: customer.id,
    email: 'carol@acme.example',
    package: 'webex_meetings',
    provisioningParameters: {},
  });
  // The one case the spec sends provisioningParameters on update: meetings → a calling package.
  await client.wholesale.updateSubscriber(carol.data.id, {
    packages: ['webex_calling'],
    provisioningParameters: { primaryPhoneNumber: '+1-240-555-2004', extension: '2004', locationId: 'LOC-1' },
  });
  await client.wholesale.getSubscriber(sub.data.id);
  await client.wholesale.listSubscribers({ customerId: customer.id, max: 1 });
  await client.wholesale.updateSubscriber(sub.data.id, { packages: ['webex_suite'], provisioningParameters: { extension: '2002' } });
  await client.wholesale.updateSubscriber(sub.data.id, { package: 'webex_calling' });
  await client.wholesale.precheck({
    email: 'dave@acme.example',
    customerId: customer.id,
    packages: ['webex_calling'],
    provisioningParameters: { extension: '2003' },
    customerInfo: { primaryEmail: 'admin@acme.example' },
  });
  await client.wholesale.deleteSubscriber(sub.data.id);
  await client.broadworks.deleteSubscriber(bw.data.id);
  await client.wholesale.deleteCustomer(customer.id);
}

describeIfSpecs('Webex OpenAPI contract (official specs in ../shared/specs/webex)', () => {
  let spec: SpecValidator;
  let env: SimAndClient;

  beforeAll(async () => {
    spec = loadSpecValidator(specsDir!);
    env = await startSimAndClient({
      provisioningDelayMs: 5,
      customerProvisioningDelayMs: 5,
      existingWebexUserEmails: ['migrating@acme.example'],
      untrustedEmailProvisioningIds: ['PROV-UNTRUSTED'],
    });
    await exerciseEveryOperation(env.client);
    await env.client.wholesale
      .createSubscriber({
        customerId: [...env.sim.state.customers.keys()][1]!,
        email: 'migrating@acme.example',
        packages: ['webex_calling'],
        provisioningParameters: {},
      })
      .catch(() => undefined);
  });
  afterAll(() => env.close());

  it('exercised every BroadWorks and Wholesale operation of the port', () => {
    const seen = new Set(env.sim.requestLog.map((r) => `${r.method} ${specPathOf(r.path)}`));
    for (const op of [
      'POST /broadworks/subscribers',
      'GET /broadworks/subscribers',
      'GET /broadworks/subscribers/{subscriberId}',
      'PUT /broadworks/subscribers/{subscriberId}',
      'DELETE /broadworks/subscribers/{subscriberId}',
      'POST /broadworks/subscribers/validate',
      'POST /wholesale/customers',
      'GET /wholesale/customers',
      'GET /wholesale/customers/{customerId}',
      'PUT /wholesale/customers/{customerId}',
      'DELETE /wholesale/customers/{customerId}',
      'POST /wholesale/subscribers',
      'GET /wholesale/subscribers',
      'GET /wholesale/subscribers/{subscriberId}',
      'PUT /wholesale/subscribers/{subscriberId}',
      'DELETE /wholesale/subscribers/{subscriberId}',
      'POST /wholesale/subscribers/validate',
    ]) {
      expect(seen).toContain(op);
      expect(spec.hasOperation(op.split(' ')[1]!, op.split(' ')[0]!)).toBe(true);
    }
    const withParameters = (method: string, resource: string) =>
      env.sim.requestLog.some(
        (r) =>
          r.method === method &&
          r.path.startsWith(`/v1/wholesale/${resource}/`) &&
          (r.body as { provisioningParameters?: unknown } | undefined)?.provisioningParameters !== undefined,
      );
    expect(withParameters('PUT', 'customers')).toBe(true);
    expect(withParameters('PUT', 'subscribers')).toBe(true);
  });

  it('every request body the client sent validates against the request schema (no invented fields)', () => {
    const withBodies = env.sim.requestLog.filter((r) => r.body !== undefined);
    expect(withBodies.length).toBeGreaterThanOrEqual(12);
    for (const r of withBodies) {
      const errors = spec.request(specPathOf(r.path), r.method, r.body);
      expect({ request: `${r.method} ${r.path}`, body: r.body, errors }).toEqual({ request: `${r.method} ${r.path}`, body: r.body, errors: [] });
    }
  });

  it('every successful simulator answer validates against the response schema', () => {
    const answers = env.sim.requestLog.filter((r) => r.status >= 200 && r.status < 300);
    let validated = 0;
    for (const r of answers) {
      const errors = spec.response(specPathOf(r.path), r.method, r.status, r.response);
      if (errors === undefined) {
        expect(r.response).toBeUndefined();
        continue;
      }
      validated += 1;
      expect({ answer: `${r.method} ${r.path} ${r.status}`, errors }).toEqual({ answer: `${r.method} ${r.path} ${r.status}`, errors: [] });
    }
    expect(validated).toBeGreaterThanOrEqual(15);
    expect(answers.some((r) => r.status === 202 && r.method === 'POST' && r.path.startsWith('/v1/wholesale/subscribers'))).toBe(true);
  });

  it('the contract check itself catches an invented field and a wrong type', () => {
    expect(spec.request('/broadworks/subscribers', 'POST', { ...bwCreate(), nickname: 'x' })).not.toEqual([]);
    expect(spec.request('/wholesale/subscribers', 'POST', { customerId: 'c', email: 'e', packages: 'webex_calling', provisioningParameters: {} })).not.toEqual(
      [],
    );
  });
});
