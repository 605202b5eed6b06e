import fs from 'node:fs';
import { certPaths } from '../../src/certs';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, issueCert, type TestCert } from '../helpers/test-pki';
import { certApi, presentedFingerprint, signCsr } from './cert-test-kit';

type Check = { check: string; ok: boolean; detail: string; warning?: boolean };

/** Install with dryRun: true runs every check of the install and activates nothing. */
describe('certificate install dry run: the checks before install', () => {
  let t: TestBridge;
  let ca: TestCert;
  let dev: { cert: string; key: string };
  beforeAll(async () => {
    ca = await createTestCa('Dry Run CA');
    t = await startTestBridge({ provisioning: { publicHostname: 'localhost' } });
    const d = readDevClient(t.dataDir);
    dev = { cert: d.cert, key: d.key };
  });
  afterAll(async () => {
    await t.stop();
  });

  /** What is active and pending, on disk and on the wire: a dry run must leave all of it as it was. */
  async function activeState() {
    const shown = await certApi(t).get('/api/v1/certificate');
    return {
      fingerprint: shown.body.fingerprint,
      pending: shown.body.pending,
      presented: await presentedFingerprint(t, dev),
      file: fs.readFileSync(certPaths(t.dataDir).serverCert, 'utf8'),
    };
  }

  it('a good certificate: every check ok, nothing activated; the install then runs the same checks', async () => {
    const csr = await certApi(t)
      .post('/api/v1/certificate/csr')
      .send({ commonName: 'localhost', subjectAltNames: ['127.0.0.1'] });
    expect(csr.status).toBe(201);
    const signed = signCsr(ca, csr.body.csrPem, { validDays: 10 });
    const before = await activeState();

    const dry = await certApi(t).post('/api/v1/certificate/install').send({ certPem: signed, chainPem: ca.certPem, dryRun: true });
    expect(dry.status).toBe(200);
    const checks = dry.body.checks as Check[];
    expect(checks.map((c) => c.check)).toEqual(['certificate', 'key', 'validity', 'hostnames', 'chain', 'expiry']);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(dry.body).toMatchObject({ ok: true, usedKey: 'pending' });
    expect(checks.find((c) => c.check === 'key')!.detail).toMatch(/pending key/);
    // Warnings pass but are named: a CA outside the system store, a certificate valid 10 days (< tls.expiryWarnDays 30).
    expect(checks.find((c) => c.check === 'chain')).toMatchObject({ ok: true, warning: true, detail: expect.stringMatching(/not in the system trust store/) });
    expect(checks.find((c) => c.check === 'expiry')).toMatchObject({ ok: true, warning: true, detail: expect.stringMatching(/tls\.expiryWarnDays \(30\)/) });
    expect(await activeState()).toEqual(before);

    const install = await certApi(t).post('/api/v1/certificate/install').send({ certPem: signed, chainPem: ca.certPem });
    expect(install.status).toBe(200);
    expect(install.body.checks).toEqual(checks);
    expect(install.body.warnings).toEqual(checks.filter((c) => c.warning).map((c) => c.detail));
    expect(await presentedFingerprint(t, dev)).toBe(install.body.certificate.fingerprint);
  });

  it('a certificate for another key: the key check fails by name, nothing activated, and the install refuses with the same words', async () => {
    const csr = await certApi(t).post('/api/v1/certificate/csr').send({ commonName: 'localhost' });
    expect(csr.status).toBe(201);
    // Signed by the CA for the right name, but for a key the proxy does not hold.
    const stranger = await issueCert(ca, { commonName: 'localhost', subjectAltNames: ['localhost'], usage: 'server' }, { freshKey: true });
    const before = await activeState();

    const dry = await certApi(t).post('/api/v1/certificate/install').send({ certPem: stranger.certPem, chainPem: ca.certPem, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.ok).toBe(false);
    const failed = (dry.body.checks as Check[]).filter((c) => !c.ok);
    expect(failed).toEqual([{ check: 'key', ok: false, detail: expect.stringMatching(/matches neither the pending key nor the current key/) }]);
    // The other checks still ran, so the operator sees everything at once.
    expect((dry.body.checks as Check[]).map((c) => c.check)).toEqual(['certificate', 'key', 'validity', 'hostnames', 'chain', 'expiry']);
    expect(await activeState()).toEqual(before);

    const install = await certApi(t).post('/api/v1/certificate/install').send({ certPem: stranger.certPem, chainPem: ca.certPem });
    expect(install.status).toBeGreaterThanOrEqual(400);
    expect(install.body.error).toMatchObject({ code: 'IMPB_ERR_CERT_KEY_MISMATCH', message: failed[0]!.detail });
    expect(await activeState()).toEqual(before);
  });

  it('an unparsable certificate: the certificate check fails, nothing else is claimed', async () => {
    const dry = await certApi(t)
      .post('/api/v1/certificate/install')
      .send({ certPem: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n', dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ ok: false, checks: [{ check: 'certificate', ok: false }] });
    expect(dry.body.checks).toHaveLength(1);
  });
});
