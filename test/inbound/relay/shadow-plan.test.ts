import { Pool } from 'undici';
import type { PlannedCall } from '../../../src/domain';
import { readDevClient, startTestBridge, type TestBridge } from '../../helpers/start-bridge';
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

describe('shadow dry-run plan', () => {
  let upstream: Upstream;
  let t: TestBridge;
  let pool: Pool;
  const common = { provisioningId: 'pid-plan', package: 'standard' };
  beforeAll(async () => {
    const pki = await startPki();
    upstream = await startUpstream(pki.upstreamCa, pki.upstreamServer);
    t = await startTestBridge({
      webex: { simulatorProvisioningDelayMs: 5 },
      pipeline: { pollInitialMs: 10, pollMaxMs: 50 },
      templates: [
        templateConfig('sh', ACME_PASSWORD, {
          ...common,
          mode: 'shadow',
          upstream: { url: upstream.url, ca: pki.upstreamCa.certPem } as never,
        }),
        templateConfig('pv', ACME_PASSWORD, common),
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

  it('equals the calls provision mode makes for the same requests against the simulator, and shadow calls nothing', async () => {
    const sequence = [
      add('u1@acme.example', 'One'),
      modify('u1@acme.example', 'Uno'),
      add('u2@acme.example', 'Two'),
      remove('u1@acme.example'),
      modify('u2@acme.example', 'Dos'),
    ];
    const send = async (template: string, body: string) => {
      const res = await pool.request({
        path: `/provisioning/v1/${template}`,
        method: 'POST',
        body,
        headers: { 'content-type': 'text/xml', authorization: basic(`${template}-as`, ACME_PASSWORD) },
      });
      return (await res.body.text()).length;
    };
    // Shadow first: it stores no event, so the users are still nobody's when provision mode takes them.
    for (const body of sequence) await send('sh', body);
    expect(await t.bridge.parts.store.webexCalls.list({ limit: 100 })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ operation: expect.stringMatching(/^broadworks\./) })]),
    );
    const worker = t.bridge.parts.pipeline.worker!;
    // One request at a time, each job to its end: the worker would otherwise coalesce queued changes of one user.
    for (const body of sequence) {
      await send('pv', body);
      await worker.whenIdle({ includeFuture: true, timeoutMs: 15_000 });
    }
    const records = await t.bridge.parts.store.shadowRecords.list({ template: 'sh' });
    expect(records.map((r) => r.understood)).toEqual([true, true, true, true, true]);
    expect(records.map((r) => r.events.map((e) => `${e.kind} ${e.userId}`))).toEqual([
      ['assign u1@acme.example'],
      ['modify u1@acme.example'],
      ['assign u2@acme.example'],
      ['unassign u1@acme.example'],
      ['modify u2@acme.example'],
    ]);
    const plan = records
      .flatMap((r) => r.plan as PlannedCall[])
      .filter((c) => PLANNED.has(c.operation))
      .map(comparable);
    const calls = (await t.bridge.parts.store.webexCalls.list({ limit: 1000 })).reverse();
    const made = calls.filter((c) => PLANNED.has(c.operation));
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
