import fs from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { request } from 'undici';
import type { SqliteStore } from '../../src/store';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, OTHER_PASSWORD, addDocument, basic, postDocument, templateConfig } from './flowthrough-client';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'flowthrough');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name, 'request.xml'));

describe('flow-through acceptance into the store', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({
      templates: [
        templateConfig('acme-standard', ACME_PASSWORD, { languageMap: { Klingon: 'en_US' } }),
        templateConfig('other', OTHER_PASSWORD),
        templateConfig('groups', ACME_PASSWORD, { enterpriseMode: false }),
        templateConfig('recorded', ACME_PASSWORD, { recordMode: true }),
      ],
    });
  });
  afterAll(async () => {
    await t.stop();
  });
  const store = () => t.bridge.parts.store;

  it('stores one event per valid command, with its masked raw request and a job, before answering success', async () => {
    const res = await postDocument(t, fixture('add-basic'), { headers: { 'x-request-id': 'req-add-basic' } });
    expect(res.text).toContain('c:SuccessResponse');
    const [event] = await store().events.listForUser('2405551212@voip.example.net');
    expect(event).toMatchObject({
      kind: 'assign',
      template: 'acme-standard',
      enterpriseId: 'Reseller1+acme',
      serviceProviderId: 'acme',
      groupId: 'acme-hq',
      resellerId: 'Reseller1',
      requestId: 'req-add-basic',
      profile: {
        firstName: 'Alice',
        lastName: 'Smith',
        email: 'alice.smith@acme.example',
        phoneNumber: '+1-2405551212',
        extension: '1212',
        language: 'en_US',
        timeZone: 'America/New_York',
        impId: 'alice.smith@voip.example.net',
      },
    });
    expect(event!.rawRequest).toContain('<userId>2405551212@voip.example.net</userId>');
    expect(event!.rawRequest).not.toContain('secret-never-logged');
    expect(event!.rawRequest).not.toMatch(/authorization/i);
    expect(event!.clientSubject).toContain('imp-bridge-dev-client');
    const jobs = await store().jobs.list({ userId: '2405551212@voip.example.net' });
    expect(jobs.length).toBeGreaterThanOrEqual(1);
  });

  it('observes the latency of each request in impb_inbound_request_duration_seconds{template,outcome}', async () => {
    expect((await postDocument(t, addDocument('latency@x'))).text).toContain('c:SuccessResponse');
    const res = await request(`${t.adminUrl}/metrics`);
    const text = await res.body.text();
    const families = parsePrometheusTextFormat(text) as Array<{ name: string; type: string; metrics: Array<{ buckets?: Record<string, string> }> }>;
    const histogram = families.find((f) => f.name === 'impb_inbound_request_duration_seconds')!;
    expect(histogram.type).toBe('HISTOGRAM');
    expect(histogram.metrics.some((m) => Number(m.buckets?.['+Inf']) >= 1)).toBe(true);
    // The parser loses the labels of prom-client histograms (it expects `le` last), so they are read from the text.
    expect(
      Number(/^impb_inbound_request_duration_seconds_count\{template="acme-standard",outcome="accepted"\} (\d+)$/m.exec(text)?.[1]),
    ).toBeGreaterThanOrEqual(1);
  });

  it('acknowledges a re-sent identical request without a second event', async () => {
    const before = await store().events.count();
    const res = await postDocument(t, fixture('add-basic'));
    expect(res.text).toContain('c:SuccessResponse');
    expect(await store().events.count()).toBe(before);
    const changed = await postDocument(t, fixture('add-basic').toString('utf8').replace('<lastName>Smith', '<lastName>Smyth'));
    expect(changed.text).toContain('c:SuccessResponse');
    expect(await store().events.count()).toBe(before + 1);
  });

  it('keeps ISO-8859-1 names, leading zeros and aliases exactly', async () => {
    await postDocument(t, fixture('add-iso-8859-1'), { contentType: 'text/xml; charset=ISO-8859-1' });
    const [iso] = await store().events.listForUser('4930555123@voip.example.net');
    expect(iso!.profile).toMatchObject({ firstName: 'Renée', lastName: 'Müller-Strauß', language: 'de_DE' });
    await postDocument(t, fixture('add-leading-zeros'));
    const [zeros] = await store().events.listForUser('0044205551000@voip.example.net');
    expect(zeros).toMatchObject({
      serviceProviderId: '0042',
      enterpriseId: '0042',
      profile: { extension: '0123', phoneNumber: '00442055510000', mobilePhoneNumber: '07700900123' },
    });
    await postDocument(t, fixture('add-field-aliases'));
    const [aliases] = await store().events.listForUser('2405551304@voip.example.net');
    expect(aliases).toMatchObject({
      serviceProviderId: 'acme',
      profile: {
        email: 'erin.green@acme.example',
        phoneNumber: '+1-2405551304',
        mobilePhoneNumber: '+1-8185551304',
        timeZone: 'Europe/Paris',
        language: 'fr_FR',
      },
    });
  });

  it('maps modify variants: empty elements clear, password-only, isActive false/true', async () => {
    await postDocument(t, fixture('modify-empty-elements'));
    const [cleared] = await store().events.listForUser('2405551303@voip.example.net');
    expect(cleared).toMatchObject({ kind: 'modify', profile: { mobilePhoneNumber: '', extension: '', email: '' } });
    await postDocument(t, fixture('modify-password-only'));
    const [pwd] = await store().events.listForUser('2405551304@voip.example.net');
    expect(pwd).toMatchObject({ kind: 'modify', passwordOnly: true, enterpriseId: 'acme' });
    expect(pwd!.rawRequest).not.toContain('n3w-secret-never-logged');
    await postDocument(t, fixture('modify-deactivate'));
    expect((await store().events.listForUser('2405551305@voip.example.net'))[0]!.kind).toBe('unassign');
    await postDocument(t, fixture('modify-activate'));
    expect((await store().events.listForUser('2405551306@voip.example.net'))[0]!.kind).toBe('assign');
  });

  it('applies the commands of one document in order, answering each', async () => {
    const res = await postDocument(t, fixture('multi-command'));
    expect([...res.text.matchAll(/echo="(\d)" xsi:type="c:(\w+)"/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual([
      '1:SuccessResponse',
      '2:ErrorResponse',
      '3:SuccessResponse',
      '4:SuccessResponse',
    ]);
    const events = await store().events.listForUser('2405551501@voip.example.net');
    expect(events.map((e) => e.kind)).toEqual(['modify', 'assign']);
    expect(await store().events.listForUser('2405551502@voip.example.net')).toHaveLength(0);
  });

  it('answers 5001 when the store cannot persist, storing nothing, and accepts the retry', async () => {
    const events = store().events;
    const spy = jest.spyOn(events, 'accept').mockRejectedValueOnce(new Error('disk I/O error'));
    const before = await events.count();
    const res = await postDocument(t, addDocument('5001@x'));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<errorCode>5001</errorCode>');
    expect(await events.count()).toBe(before);
    spy.mockRestore();
    const retry = await postDocument(t, addDocument('5001@x'));
    expect(retry.text).toContain('c:SuccessResponse');
    expect(await events.count()).toBe(before + 1);
  });

  it('refuses with 4005 a user that belongs to another template', async () => {
    await postDocument(t, addDocument('owned@x'), { template: 'other', authorization: basic('other-as', OTHER_PASSWORD) });
    const res = await postDocument(t, addDocument('owned@x').replace('Alice', 'Alicia'));
    expect(res.text).toContain('<errorCode>4005</errorCode>');
    const deleted = await postDocument(t, addDocument('owned@x').replace('UserIntegratedIMPAddRequest', 'UserIntegratedIMPDeleteRequest'));
    expect(deleted.text).toContain('<errorCode>4005</errorCode>');
    expect((await store().events.listForUser('owned@x')).map((e) => e.template)).toEqual(['other']);
  });

  it('requires groupId on a group-mode template and keys the enterprise as serviceProviderId+groupId', async () => {
    const missing = await postDocument(t, addDocument('grp@x').replace('<groupId>acme-hq</groupId>', ''), { template: 'groups' });
    expect(missing.text).toContain('Missing mandatory field: groupId');
    await postDocument(t, addDocument('grp@x'), { template: 'groups' });
    expect((await store().events.listForUser('grp@x'))[0]!.enterpriseId).toBe('acme+acme-hq');
  });

  it('accepts PUT and sub-paths under the template URL, recording the sub-path', async () => {
    const res = await postDocument(t, addDocument('sub@x'), { method: 'PUT', path: '/provisioning/v1/acme-standard/as1/users' });
    expect(res.text).toContain('c:SuccessResponse');
    expect((await store().events.listForUser('sub@x'))[0]!.subPath).toBe('as1/users');
  });

  it('answers status queries from the store: Webex status, last change and error', async () => {
    await store().subscribers.upsert({
      userId: 'status@x',
      template: 'acme-standard',
      enterpriseId: 'acme',
      status: 'error',
      isActive: true,
      lastErrorCode: '7102',
      lastErrorDescription: 'Email already in use',
      lastStatusChange: Date.parse('2025-01-02T03:04:05.000Z'),
      profile: {},
    });
    const res = await postDocument(t, addDocument('status@x').replace('UserIntegratedIMPAddRequest', 'UserIntegratedIMPGetRequest'));
    expect(res.text).toContain(
      [
        '  <command echo="" xsi:type="c:UserIntegratedIMPGetResponse" xmlns="">',
        '    <userId>status@x</userId>',
        '    <isActive>true</isActive>',
        '    <status>error</status>',
        '    <lastStatusChange>2025-01-02T03:04:05.000Z</lastStatusChange>',
        '    <errorCode>7102</errorCode>',
        '    <description>Email already in use</description>',
        '  </command>',
      ].join('\n'),
    );
    const queued = await postDocument(t, addDocument('sub@x').replace('UserIntegratedIMPAddRequest', 'UserIntegratedIMPGetRequest'));
    expect(queued.text).toContain('<status>queued</status>');
  });

  it('stores unknown requests verbatim (headers minus Authorization, passwords masked), counts them and answers 4002', async () => {
    const doc = fixture('unknown-command').toString('utf8').replace('<userId>', '<impPassword><![CDATA[cdata-secret-1]]></impPassword><userId>');
    const res = await postDocument(t, doc, { headers: { 'x-request-id': 'req-unknown', 'x-as-node': 'as1' } });
    expect(res.text).toContain('<errorCode>4002</errorCode>');
    const [stored] = await store().unknownRequests.list({ kind: 'unknown' });
    expect(stored).toMatchObject({ requestId: 'req-unknown', template: 'acme-standard', kind: 'unknown' });
    expect(stored!.reason).toContain('DeviceActivationCodeRequest');
    expect(stored!.headers['x-as-node']).toBe('as1');
    expect(stored!.headers.authorization).toBeUndefined();
    expect(stored!.body).toContain('<deviceType>Cisco 8845</deviceType>');
    expect(stored!.body).not.toContain('cdata-secret-1');
    expect(stored!.response).toContain('4002');
    expect(await t.bridge.parts.metrics.getSingleMetricAsString('impb_unknown_requests_total')).toMatch(
      /impb_unknown_requests_total\{template="acme-standard"\} 1/,
    );
  });

  it('answers 5001 (so the AS retries) when an unknown request cannot be stored, and stores the retry', async () => {
    const unknown = store().unknownRequests;
    const before = (await unknown.list({ kind: 'unknown', limit: 1000 })).length;
    const spy = jest.spyOn(unknown, 'add').mockRejectedValueOnce(new Error('disk I/O error'));
    const res = await postDocument(t, fixture('unknown-command'), { headers: { 'x-request-id': 'req-unknown-fault' } });
    spy.mockRestore();
    expect(res.status).toBe(200);
    expect(res.text).toContain('<errorCode>5001</errorCode>');
    expect(res.text).not.toContain('<errorCode>4002</errorCode>');
    expect(t.logs.find((l) => l.event === 'inbound.unknown.store_failed' && l.requestId === 'req-unknown-fault')).toBeDefined();
    expect((await unknown.list({ kind: 'unknown', limit: 1000 })).length).toBe(before);
    const retry = await postDocument(t, fixture('unknown-command'), { headers: { 'x-request-id': 'req-unknown-retry' } });
    expect(retry.text).toContain('<errorCode>4002</errorCode>');
    expect((await unknown.list({ kind: 'unknown', limit: 1000 })).map((r) => r.requestId)).toContain('req-unknown-retry');
  });

  it('masks password elements of any name (devicePassword, sipPassword, passwd, secret) in stored unknown requests and never logs them', async () => {
    const doc = fixture('unknown-command')
      .toString('utf8')
      .replace(
        '<deviceType>',
        '<devicePassword>dev-pw-never-stored</devicePassword><c:sipPassword xmlns:c="C"><![CDATA[sip-pw-never-stored]]></c:sipPassword><passwd>passwd-never-stored</passwd><secret>secret-never-stored</secret><deviceType>',
      );
    const res = await postDocument(t, doc, { headers: { 'x-request-id': 'req-unknown-device-password' } });
    expect(res.text).toContain('<errorCode>4002</errorCode>');
    const stored = (await store().unknownRequests.list({ kind: 'unknown', limit: 1000 })).find((r) => r.requestId === 'req-unknown-device-password')!;
    expect(stored.body).toContain('<devicePassword>[REDACTED]</devicePassword>');
    expect(stored.body).toContain('<deviceType>Cisco 8845</deviceType>');
    for (const secret of ['dev-pw-never-stored', 'sip-pw-never-stored', 'passwd-never-stored', 'secret-never-stored']) {
      expect(stored.body).not.toContain(secret);
      expect(stored.response).not.toContain(secret);
      expect(t.logText()).not.toContain(secret);
    }
  });

  it('stores an authenticated well-formed document whose root is not BroadsoftDocument (masked, counted), still answering 4001', async () => {
    const unknownCount = async () =>
      Number(
        /impb_unknown_requests_total\{template="acme-standard"\} (\d+)/.exec(
          await t.bridge.parts.metrics.getSingleMetricAsString('impb_unknown_requests_total'),
        )?.[1] ?? 0,
      );
    const before = await unknownCount();
    const doc = '<?xml version="1.0" encoding="UTF-8"?>\n<Envelope><Body><userPassword>envelope-pw-1</userPassword><userId>env@x</userId></Body></Envelope>\n';
    const res = await postDocument(t, doc, { headers: { 'x-request-id': 'req-envelope' } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<errorCode>4001</errorCode>');
    expect(res.text).toContain('not a BroadsoftDocument (root element Envelope)');
    const stored = (await store().unknownRequests.list({ kind: 'unknown', limit: 1000 })).find((r) => r.requestId === 'req-envelope')!;
    expect(stored).toMatchObject({ template: 'acme-standard', kind: 'unknown' });
    expect(stored.reason).toContain('root element Envelope');
    expect(stored.body).toContain('<userId>env@x</userId>');
    expect(stored.body).not.toContain('envelope-pw-1');
    expect(stored.response).toContain('4001');
    expect(await unknownCount()).toBe(before + 1);
    expect(await store().events.listForUser('env@x')).toHaveLength(0);
    // Without authentication nothing is stored: the answer is the challenge.
    const anonymous = await postDocument(t, doc, { authorization: null, headers: { 'x-request-id': 'req-envelope-anonymous' } });
    expect(anonymous.status).toBe(401);
    expect((await store().unknownRequests.list({ kind: 'unknown', limit: 1000 })).some((r) => r.requestId === 'req-envelope-anonymous')).toBe(false);
  });

  it('keeps every request and response of a record-mode template (masked)', async () => {
    await postDocument(t, addDocument('rec@x'), { template: 'recorded' });
    const [recorded] = await store().unknownRequests.list({ kind: 'recorded' });
    expect(recorded).toMatchObject({ template: 'recorded', reason: 'record mode' });
    expect(recorded!.body).not.toContain('user-secret-42');
    expect(recorded!.response).toContain('c:SuccessResponse');
  });

  it('never writes the Authorization header, the provisioning password or user passwords to logs or stored requests', async () => {
    const text = t.logText();
    for (const secret of [
      ACME_PASSWORD,
      OTHER_PASSWORD,
      'secret-never-logged',
      'n3w-secret-never-logged',
      'user-secret-42',
      'cdata-secret-1',
      Buffer.from(`acme-standard-as:${ACME_PASSWORD}`).toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
      // The bridge parts hold the Store port; this check reads the SQLite file behind it.
      const rows = (store() as SqliteStore).db
        .prepare('SELECT raw_request FROM inbound_events UNION ALL SELECT body FROM unknown_requests UNION ALL SELECT headers_json FROM unknown_requests')
        .all() as Array<Record<string, string>>;
      for (const row of rows) expect(Object.values(row).join('')).not.toContain(secret);
    }
  });
});

describe('the duplicate window', () => {
  it('acknowledges a re-send inside the window without a new event, and stores one for a re-send after it', async () => {
    const t = await startTestBridge({ provisioning: { duplicateWindowSeconds: 1 }, templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
    try {
      const events = t.bridge.parts.store.events;
      expect((await postDocument(t, addDocument('window@x'))).text).toContain('c:SuccessResponse');
      expect((await postDocument(t, addDocument('window@x'))).text).toContain('c:SuccessResponse');
      expect(await events.listForUser('window@x')).toHaveLength(1);
      // Comfortably past a 1 s window (no absolute time is asserted, only the order of events).
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect((await postDocument(t, addDocument('window@x'))).text).toContain('c:SuccessResponse');
      expect(await events.listForUser('window@x')).toHaveLength(2);
    } finally {
      await t.stop();
    }
  });
});
