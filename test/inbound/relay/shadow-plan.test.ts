import { Pool } from 'undici';
import type { PlannedCall, ShadowRecord } from '../../../src/domain';
import { readDevClient, startTestBridge, type TestBridge } from '../../helpers/start-bridge';
import { WHOLESALE_ONBOARDING } from '../../pipeline/harness';
import { ACME_PASSWORD, basic, templateConfig } from '../flowthrough-client';
import { startPki, startUpstream, type Upstream } from './relay-kit';

const doc = (command: string) => `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">plan-${Math.random()}</sessionId>
  ${command}
</BroadsoftDocument>`;
const add = (user: string, last: string) =>
  doc(
    `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>${user}</userId><serviceProviderId>acme</serviceProviderId><firstName>Ann</firstName><lastName>${last}</lastName><emailAddress>${user.split('@')[0]}@acme.example</emailAddress></command>`,
  );
const modify = (user: string, last: string) =>
  doc(`<command xsi:type="UserIntegratedIMPModifyRequest" xmlns=""><userId>${user}</userId><lastName>${last}</lastName></command>`);
const remove = (user: string) => doc(`<command xsi:type="UserIntegratedIMPDeleteRequest" xmlns=""><userId>${user}</userId></command>`);

/** The calls that change or look up a subscriber; status polls come after the plan's one step. */
const PLANNED = new Set(['broadworks.listSubscribers', 'broadworks.createSubscriber', 'broadworks.updateSubscriber', 'broadworks.deleteSubscriber']);
const comparable = (c: { operation: string; method: string; body?: unknown }) => ({
  operation: c.operation,
  method: c.method,
  ...(c.method === 'POST' || c.method === 'PUT' ? { body: c.body } : {}),
});

/**
 * A bridge with two templates on the same settings (`common`): `shadow` in shadow mode (its
 * upstream a test HTTPS server) and `provision` in provision mode against the simulator, and a
 * pool of two mTLS connections to send flow-through requests through; for the describe block.
 */
function shadowBesideProvision(shadow: string, provision: string, common: object) {
  let upstream: Upstream;
  let t: TestBridge;
  let pool: Pool;
  beforeAll(async () => {
    const pki = await startPki();
    upstream = await startUpstream(pki.upstreamCa, pki.upstreamServer);
    t = await startTestBridge({
      webex: { simulatorProvisioningDelayMs: 5 },
      pipeline: { pollInitialMs: 10, pollMaxMs: 50 },
      templates: [
        templateConfig(shadow, ACME_PASSWORD, { ...common, mode: 'shadow', upstream: { url: upstream.url, ca: pki.upstreamCa.certPem } } as never),
        templateConfig(provision, ACME_PASSWORD, common as never),
      ],
    });
    const dev = readDevClient(t.dataDir);
    pool = new Pool(t.provisioningUrl, { connections: 2, connect: { ca: dev.ca, cert: dev.cert, key: dev.key } });
  });
  afterAll(async () => {
    await pool.close();
    await t.stop();
    await upstream.close();
  });
  const send = async (template: string, body: string) => {
    const res = await pool.request({
      path: `/provisioning/v1/${template}`,
      method: 'POST',
      body,
      headers: { 'content-type': 'text/xml', authorization: basic(`${template}-as`, ACME_PASSWORD) },
    });
    return res.body.text();
  };
  return {
    bridge: () => t,
    /** Each request to the shadow template. */
    async sendToShadow(sequence: string[]) {
      for (const body of sequence) await send(shadow, body);
    },
    /** One request at a time to the provision template, each job to its end: the worker would otherwise coalesce queued changes of one user. */
    async sendToProvision(sequence: string[]) {
      for (const body of sequence) {
        await send(provision, body);
        await t.bridge.parts.pipeline.worker.whenIdle({ includeFuture: true, timeoutMs: 15_000 });
      }
    },
    /** The shadow template's planned calls among `operations`, in order, comparable with the calls made. */
    plan: (records: ShadowRecord[], operations: Set<string>) =>
      records
        .flatMap((r) => r.plan as PlannedCall[])
        .filter((c) => operations.has(c.operation))
        .map(comparable),
    /** The Webex calls made among `operations`, oldest first. */
    made: async (operations: Set<string>) => (await t.bridge.parts.store.webexCalls.list({ limit: 1000 })).reverse().filter((c) => operations.has(c.operation)),
  };
}

describe('shadow dry-run plan', () => {
  const kit = shadowBesideProvision('sh', 'pv', { provisioningId: 'pid-plan', package: 'standard' });

  it('equals the calls provision mode makes for the same requests against the simulator, and shadow calls nothing', async () => {
    const sequence = [
      add('u1@acme.example', 'One'),
      modify('u1@acme.example', 'Uno'),
      add('u2@acme.example', 'Two'),
      remove('u1@acme.example'),
      modify('u2@acme.example', 'Dos'),
    ];
    const t = kit.bridge();
    // Shadow first: it stores no event, so the users are still nobody's when provision mode takes them.
    await kit.sendToShadow(sequence);
    expect(await t.bridge.parts.store.webexCalls.list({ limit: 100 })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ operation: expect.stringMatching(/^broadworks\./) })]),
    );
    await kit.sendToProvision(sequence);
    const records = await t.bridge.parts.store.shadowRecords.list({ template: 'sh' });
    expect(records.map((r) => r.understood)).toEqual([true, true, true, true, true]);
    expect(records.map((r) => r.events.map((e) => `${e.kind} ${e.userId}`))).toEqual([
      ['assign u1@acme.example'],
      ['modify u1@acme.example'],
      ['assign u2@acme.example'],
      ['unassign u1@acme.example'],
      ['modify u2@acme.example'],
    ]);
    const plan = kit.plan(records, PLANNED);
    const made = await kit.made(PLANNED);
    expect(made.length).toBeGreaterThan(0);
    // The call log keeps no bodies: compare operations in order, and the planned bodies with what the simulator now holds.
    expect(plan.map((c) => `${c.operation} ${c.method}`)).toEqual(made.map((c) => `${c.operation} ${c.method}`));
    expect(plan.find((c) => c.operation === 'broadworks.updateSubscriber')).toMatchObject({
      body: { lastName: 'Uno' },
    });
    expect(plan.find((c) => c.operation === 'broadworks.createSubscriber')).toMatchObject({
      body: { userId: 'u1@acme.example', provisioningId: 'pid-plan', package: 'standard', lastName: 'One' },
    });
    expect(await t.bridge.parts.store.subscribers.get('u2@acme.example')).toMatchObject({
      template: 'pv',
      profile: { lastName: 'Dos' },
    });
  }, 60_000);
});

describe('shadow dry-run plan of a Wholesale template', () => {
  const PLANNED_WS = new Set([
    'wholesale.listCustomers',
    'wholesale.createCustomer',
    'wholesale.listSubscribers',
    'wholesale.createSubscriber',
    'wholesale.updateSubscriber',
    'wholesale.deleteSubscriber',
  ]);
  const number = (user: string, phone: string) =>
    doc(`<command xsi:type="UserIntegratedIMPModifyRequest" xmlns=""><userId>${user}</userId><phoneNumber>${phone}</phoneNumber></command>`);
  const kit = shadowBesideProvision('wsh', 'wpv', {
    provisioningId: 'pid-ws',
    package: 'webex_calling',
    targetApi: 'wholesale',
    wholesale: WHOLESALE_ONBOARDING,
  });

  it('equals the calls provision mode makes against the simulator: the customer created once, then the subscribers', async () => {
    // A calling package needs a number (the simulator refuses a subscriber without one, as Webex does).
    const addWithNumber = (user: string, last: string, phone: string) =>
      add(user, last).replace('</lastName>', `</lastName><phoneNumber>${phone}</phoneNumber>`);
    const sequence = [
      addWithNumber('w1@acme.example', 'One', '+1-2145550100'),
      number('w1@acme.example', '+1-2145550101'),
      addWithNumber('w2@acme.example', 'Two', '+1-2145550200'),
      remove('w1@acme.example'),
      number('w2@acme.example', '+1-2145550102'),
    ];
    const t = kit.bridge();
    await kit.sendToShadow(sequence);
    expect(await t.bridge.parts.store.webexCalls.list({ limit: 100 })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ operation: expect.stringMatching(/^wholesale\./) })]),
    );
    expect(await t.bridge.parts.store.customers.list({})).toEqual([]);
    await kit.sendToProvision(sequence);
    const records = await t.bridge.parts.store.shadowRecords.list({ template: 'wsh' });
    expect(records.map((r) => r.understood)).toEqual([true, true, true, true, true]);
    const plan = kit.plan(records, PLANNED_WS);
    const made = await kit.made(PLANNED_WS);
    console.log('wholesale plan:', plan.map((c) => c.operation).join(', '));
    expect((await t.bridge.parts.store.jobs.list({ template: 'wpv' })).map((j) => j.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(made.length).toBeGreaterThan(0);
    expect(plan.map((c) => `${c.operation} ${c.method}`)).toEqual(made.map((c) => `${c.operation} ${c.method}`));
    expect(plan.filter((c) => c.operation === 'wholesale.createCustomer')).toHaveLength(1);
    expect(plan.find((c) => c.operation === 'wholesale.createCustomer')).toMatchObject({ body: { externalId: 'acme', packages: ['webex_calling'] } });
    expect(plan.find((c) => c.operation === 'wholesale.createSubscriber')).toMatchObject({ body: { email: 'w1@acme.example', package: 'webex_calling' } });
    expect(plan.find((c) => c.operation === 'wholesale.updateSubscriber')).toMatchObject({
      body: { provisioningParameters: { primaryPhoneNumber: '+1-2145550101' } },
    });
  }, 60_000);
});
