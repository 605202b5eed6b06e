import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, OTHER_PASSWORD, addDocument, basic, postDocument, templateConfig } from './flowthrough-client';

describe('flow-through authentication', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({
      provisioning: { authFailureBaseDelayMs: 40 },
      clusters: [
        { name: 'as-cluster', identityRules: { subjectCn: ['as*.example.net'] } },
        { name: 'dev-cluster', identityRules: { subjectCn: ['imp-bridge-dev-*'] } },
      ],
      templates: [
        templateConfig('acme-standard', ACME_PASSWORD),
        templateConfig('other', OTHER_PASSWORD),
        templateConfig('locked', ACME_PASSWORD, { cluster: 'as-cluster' }),
        templateConfig('dev-only', ACME_PASSWORD, { cluster: 'dev-cluster' }),
        templateConfig('retired', ACME_PASSWORD, { enabled: false }),
      ],
    });
  });
  afterEach(() => t.bridge.parts.inbound.authThrottle.reset());
  afterAll(async () => {
    await t.stop();
  });

  const failureLines = () => t.logs.filter((l) => l.event === 'inbound.auth.failed');

  it('refuses a wrong password with 401 and a Basic challenge, logging template, user, client subject and source but never the password', async () => {
    const res = await postDocument(t, addDocument('1000@x'), { authorization: basic('acme-standard-as', 'Wrong-Password-99') });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="imp-bridge"');
    const line = failureLines().at(-1)!;
    expect(line).toMatchObject({ template: 'acme-standard', username: 'acme-standard-as', sourceAddress: expect.stringContaining('127.0.0.1') });
    expect(String(line.clientSubject)).toContain('CN=imp-bridge-dev-client');
    expect(t.logText()).not.toContain('Wrong-Password-99');
    expect(t.logText()).not.toContain(Buffer.from('acme-standard-as:Wrong-Password-99').toString('base64'));
    expect(await t.bridge.parts.store.events.count()).toBe(0);
  });

  it('refuses a request without an Authorization header (and without document credentials) with 401', async () => {
    const res = await postDocument(t, addDocument('1001@x'), { authorization: null });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="imp-bridge"');
    // A missing header is a challenge round, not a guess: it does not feed the brute-force brake.
    expect(t.bridge.parts.inbound.authThrottle.failures(String(failureLines().at(-1)!.sourceAddress))).toBe(0);
  });

  it("refuses another template's account on this template", async () => {
    const res = await postDocument(t, addDocument('1002@x'), { template: 'acme-standard', authorization: basic('other-as', OTHER_PASSWORD) });
    expect(res.status).toBe(401);
    const right = await postDocument(t, addDocument('1002@x'), { template: 'other', authorization: basic('other-as', OTHER_PASSWORD) });
    expect(right.status).toBe(200);
    expect(right.text).toContain('c:SuccessResponse');
  });

  it('refuses with 403 a client certificate outside the cluster identity rules, and accepts one inside', async () => {
    const res = await postDocument(t, addDocument('1003@x'), { template: 'locked', authorization: basic('locked-as', ACME_PASSWORD) });
    expect(res.status).toBe(403);
    const line = t.logs.filter((l) => l.event === 'inbound.auth.forbidden').at(-1)!;
    expect(line).toMatchObject({ template: 'locked', cluster: 'as-cluster' });
    expect(String(line.clientSubject)).toContain('imp-bridge-dev-client');
    const ok = await postDocument(t, addDocument('1004@x'), { template: 'dev-only', authorization: basic('dev-only-as', ACME_PASSWORD) });
    expect(ok.status).toBe(200);
  });

  it('answers 404 with ErrorResponse 4004 for an unknown template, and a disabled one looks the same unless the caller authenticates', async () => {
    const unknown = await postDocument(t, addDocument('1005@x'), {
      template: 'nope',
      authorization: basic('nope-as', ACME_PASSWORD),
      headers: { 'x-request-id': 'same' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('<errorCode>4004</errorCode>');
    const disabledWrong = await postDocument(t, addDocument('1005@x'), {
      template: 'retired',
      authorization: basic('retired-as', 'wrong-password'),
      headers: { 'x-request-id': 'same' },
    });
    expect(disabledWrong.status).toBe(404);
    expect(disabledWrong.text.replace('retired', 'nope')).toBe(unknown.text);
    const disabledRight = await postDocument(t, addDocument('1005@x'), { template: 'retired', authorization: basic('retired-as', ACME_PASSWORD) });
    expect(disabledRight.status).toBe(404);
    expect(disabledRight.text).toContain('template retired is disabled');
  });

  it('accepts credentials inside the document when the Authorization header is absent', async () => {
    const doc = addDocument('1006@x').replace(
      '<sessionId',
      `<provisioningUserId>acme-standard-as</provisioningUserId><provisioningPassword>${ACME_PASSWORD}</provisioningPassword>\n  <sessionId`,
    );
    const res = await postDocument(t, doc, { authorization: null });
    expect(res.status).toBe(200);
    expect(res.text).toContain('c:SuccessResponse');
    const [event] = await t.bridge.parts.store.events.listForUser('1006@x');
    expect(event!.rawRequest).not.toContain(ACME_PASSWORD);
  });

  it('throttles brute force: exponential delays after 5 failures in a minute, then 429 even for the right password', async () => {
    const wrong = { authorization: basic('acme-standard-as', 'guess-0000') };
    const timings: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      statuses.push((await postDocument(t, addDocument('1007@x'), wrong)).status);
      timings.push(performance.now() - started);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 401]);
    // Lower bounds only (robust on a slow machine): 40, 80, 160, 320, 640 ms for failures 6..10.
    expect(timings[5]).toBeGreaterThanOrEqual(35);
    expect(timings[9]).toBeGreaterThanOrEqual(600);
    const blocked = await postDocument(t, addDocument('1007@x'));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(t.logText()).not.toContain('guess-0000');
    const metrics = await t.bridge.parts.metrics.getSingleMetricAsString('impb_auth_failures_total');
    expect(metrics).toMatch(/impb_auth_failures_total\{template="acme-standard"\} \d+/);
    expect(await t.bridge.parts.metrics.getSingleMetricAsString('impb_inbound_requests_total')).toMatch(/outcome="throttled"/);
  });

  it('counts guesses still being checked: 40 parallel wrong guesses get at most twice the limit 401s, the rest 429, and the right password works once the window has passed', async () => {
    const wrong = { authorization: basic('acme-standard-as', 'parallel-guess-1') };
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => postDocument(t, addDocument(`1009-${i}@x`), { ...wrong, dispatcher: t.devClientAgent() }).then((r) => r.status)),
    );
    const hardLimit = 2 * t.bridge.parts.config.provisioning.authFailureLimit;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(hardLimit);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(40 - hardLimit);
    expect((await postDocument(t, addDocument('1009@x'))).status).toBe(429);
    // The window itself (60 s) is covered with a clock in dialect-unit; here its end is simulated.
    t.bridge.parts.inbound.authThrottle.reset();
    const right = await postDocument(t, addDocument('1009@x'));
    expect(right.status).toBe(200);
    expect(right.text).toContain('c:SuccessResponse');
    expect(await t.bridge.parts.store.events.listForUser('1009-0@x')).toHaveLength(0);
  });

  it('keeps the template label of metrics bounded: unknown names count as "unknown"', async () => {
    await postDocument(t, addDocument('1008@x'), { template: 'random-name-123', authorization: null });
    const text = await t.bridge.parts.metrics.getSingleMetricAsString('impb_inbound_requests_total');
    expect(text).toContain('template="unknown",outcome="unknown_template"');
    expect(text).not.toContain('random-name-123');
  });
});

describe('client certificate optional on the listener', () => {
  it('refuses with 403 a request without a certificate on a template whose cluster has identity rules, and serves one without rules', async () => {
    const t = await startTestBridge({
      provisioning: { clientCertificate: 'optional' },
      clusters: [{ name: 'as-cluster', identityRules: { subjectCn: ['imp-bridge-dev-*'] } }],
      templates: [templateConfig('locked', ACME_PASSWORD, { cluster: 'as-cluster' }), templateConfig('open', ACME_PASSWORD)],
    });
    const { Agent } = await import('undici');
    const { readDevClient } = await import('../helpers/start-bridge');
    const noCert = new Agent({ connect: { ca: readDevClient(t.dataDir).ca } });
    try {
      const locked = await postDocument(t, addDocument('2000@x'), { template: 'locked', authorization: basic('locked-as', ACME_PASSWORD), dispatcher: noCert });
      expect(locked.status).toBe(403);
      expect(t.logs.find((l) => l.event === 'inbound.auth.forbidden')).toMatchObject({ reason: 'no verified client certificate' });
      const open = await postDocument(t, addDocument('2001@x'), { template: 'open', authorization: basic('open-as', ACME_PASSWORD), dispatcher: noCert });
      expect(open.status).toBe(200);
      const withCert = await postDocument(t, addDocument('2002@x'), { template: 'locked', authorization: basic('locked-as', ACME_PASSWORD) });
      expect(withCert.status).toBe(200);
    } finally {
      await noCert.close();
      await t.stop();
    }
  });
});

describe('clients matching no cluster identity rule', () => {
  it('are refused with 403 (subject and fingerprint logged) once any cluster has rules, whatever the template', async () => {
    const t = await startTestBridge({
      clusters: [
        { name: 'as-cluster', identityRules: { subjectCn: ['as*.example.net'] } },
        { name: 'plain-cluster', hosts: ['as9.example.net'] },
      ],
      templates: [templateConfig('open', ACME_PASSWORD), templateConfig('plain', ACME_PASSWORD, { cluster: 'plain-cluster' })],
    });
    try {
      for (const template of ['open', 'plain']) {
        const res = await postDocument(t, addDocument('3000@x'), { template, authorization: basic(`${template}-as`, ACME_PASSWORD) });
        expect(res.status).toBe(403);
      }
      const line = t.logs.filter((l) => l.event === 'inbound.auth.forbidden').at(-1)!;
      expect(line).toMatchObject({ template: 'plain', reason: 'client certificate matches no cluster identity rule' });
      expect(String(line.clientSubject)).toContain('imp-bridge-dev-client');
      expect(String(line.fingerprint256)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      // A rule that admits the dev client lets the same requests through, without a restart.
      await t.bridge.parts.store.clusters.put({
        name: 'dev-cluster',
        description: '',
        hosts: [],
        sourceAddresses: [],
        identityRules: { subjectCn: ['imp-bridge-dev-*'], san: [], fingerprints: [] },
      });
      const ok = await postDocument(t, addDocument('3001@x'), { template: 'open', authorization: basic('open-as', ACME_PASSWORD) });
      expect(ok.status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

describe('a cluster whose source addresses are not IP addresses or CIDRs', () => {
  it('refuses at the admin edge, and a stored one refuses the client (403) instead of failing every request with 5001', async () => {
    const { configSchema } = await import('../../src/config');
    expect(() => configSchema.parse({ clusters: [{ name: 'c', sourceAddresses: ['as1.example.net'] }] })).toThrow(/sourceAddresses/);
    expect(() => configSchema.parse({ clusters: [{ name: 'c', sourceAddresses: ['10.0.0.0/33'] }] })).toThrow(/sourceAddresses/);
    expect(
      configSchema.parse({ clusters: [{ name: 'c', sourceAddresses: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'] }] }).clusters[0]!.sourceAddresses,
    ).toHaveLength(4);

    const t = await startTestBridge({ templates: [templateConfig('legacy', ACME_PASSWORD, { cluster: 'legacy-src' })] });
    try {
      // A row stored before the edge validated it.
      await t.bridge.parts.store.clusters.put({
        name: 'legacy-src',
        description: '',
        hosts: [],
        sourceAddresses: ['as1.example.net'],
        identityRules: { subjectCn: [], san: [], fingerprints: [] },
      });
      const res = await postDocument(t, addDocument('4000@x'), { template: 'legacy', authorization: basic('legacy-as', ACME_PASSWORD) });
      expect(res.status).toBe(403);
      expect(t.logs.filter((l) => l.event === 'inbound.auth.forbidden').at(-1)).toMatchObject({ template: 'legacy', cluster: 'legacy-src' });
      await t.bridge.parts.store.clusters.put({
        name: 'legacy-src',
        description: '',
        hosts: [],
        sourceAddresses: ['as1.example.net', '127.0.0.1'],
        identityRules: { subjectCn: [], san: [], fingerprints: [] },
      });
      const ok = await postDocument(t, addDocument('4001@x'), { template: 'legacy', authorization: basic('legacy-as', ACME_PASSWORD) });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('c:SuccessResponse');
    } finally {
      await t.stop();
    }
  });
});
