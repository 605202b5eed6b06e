import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { buildCertificate, certPaths, writeFileAtomic } from '../../src/certs';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, issueCert, testKey, type TestCert } from '../helpers/test-pki';
import { certApi, hasOpenssl, presentedFingerprint, signCsr, waitFor } from './cert-test-kit';

describe('server certificate: CSR, install, rollback, renewal, file watch — hot', () => {
  let t: TestBridge;
  let ca: TestCert;
  let dev: { cert: string; key: string };
  beforeAll(async () => {
    ca = await createTestCa('Test Public CA');
    t = await startTestBridge({ provisioning: { publicHostname: 'localhost' }, tls: { fileWatchDebounceMs: 100 } });
    const d = readDevClient(t.dataDir);
    dev = { cert: d.cert, key: d.key };
  });
  afterAll(async () => {
    await t.stop();
  });

  it('CSR → signed by a test CA → install: new connections see the new certificate, kept-alive clients see zero failures', async () => {
    const selfSigned = fs.readFileSync(certPaths(t.dataDir).serverCert, 'utf8');
    const before = await presentedFingerprint(t, dev);
    // Load: kept-alive connections sending requests back to back for the whole rotation.
    const agent = new Agent({ connect: { ca: [selfSigned, ca.certPem], cert: dev.cert, key: dev.key }, connections: 2 });
    // undici reconnects silently when a kept-alive socket is dropped: only its connection events tell.
    let connects = 0;
    let disconnects = 0;
    agent.on('connect', () => connects++);
    agent.on('disconnect', () => disconnects++);
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (!stop) {
        try {
          const res = await request(`${t.provisioningUrl}/load`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode >= 500) failures.push(`status ${res.statusCode}`);
          else ok++;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const load = Promise.all([worker(), worker()]);
    try {
      await waitFor(() => (ok > 5 && connects === 2) || undefined);
      const csr = await certApi(t)
        .post('/api/v1/certificate/csr')
        .send({ commonName: 'localhost', subjectAltNames: ['127.0.0.1'] });
      expect(csr.status).toBe(201);
      expect(csr.body.csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
      expect(csr.body.keyType).toBe('rsa-2048');
      expect(csr.body.warnings).toEqual([]);
      expect(fs.statSync(certPaths(t.dataDir).pendingKey).mode & 0o777).toBe(0o600);
      if (hasOpenssl()) {
        const file = path.join(t.dataDir, 'req.csr');
        fs.writeFileSync(file, csr.body.csrPem);
        const out = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        expect(out).toMatch(/DNS:localhost, IP Address:127\.0\.0\.1/);
      }
      const signed = signCsr(ca, csr.body.csrPem);
      const shown = await certApi(t).get('/api/v1/certificate');
      expect(shown.body.pending).toMatchObject({ commonName: 'localhost' });

      const install = await certApi(t).post('/api/v1/certificate/install').send({ certPem: signed, chainPem: ca.certPem });
      expect(install.status).toBe(200);
      expect(install.body.usedKey).toBe('pending');
      expect(install.body.warnings.join(' ')).toMatch(/not in the system trust store/);
      const after = await presentedFingerprint(t, dev);
      expect(after).toBe(install.body.certificate.fingerprint);
      expect(after).not.toBe(before);
      const okAtInstall = ok;
      await waitFor(() => ok > okAtInstall + 5 || undefined);
      // The same two sockets carried the load before, during and after the swap.
      expect({ connects, disconnects }).toEqual({ connects: 2, disconnects: 0 });
    } finally {
      stop = true;
      await load;
      await agent.close();
    }
    expect(failures).toEqual([]);
    const view = (await certApi(t).get('/api/v1/certificate')).body;
    expect(view).toMatchObject({ kind: 'ca-signed', previous: { fingerprint: before } });
    expect(view.pending).toBeUndefined();
    expect(view.chain).toHaveLength(1);
    expect(await t.bridge.parts.store.settings.get('certs.server.kind')).toBe('ca-signed');
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate' });
    expect(audit.find((a) => a.action === 'install')).toMatchObject({
      actor: 'admin-api',
      before: { fingerprint: before },
      after: { fingerprint: view.fingerprint },
    });
  });

  it('a certificate that does not match the key is refused and changes nothing', async () => {
    const current = await presentedFingerprint(t, dev);
    const files = fs.readFileSync(certPaths(t.dataDir).serverCert, 'utf8');
    const foreign = await issueCert(ca, { commonName: 'localhost', subjectAltNames: ['localhost'], usage: 'server' }, { keyPem: await testKey() });
    const res = await certApi(t).post('/api/v1/certificate/install').send({ certPem: foreign.certPem });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IMPB_ERR_CERT_KEY_MISMATCH');
    expect(await presentedFingerprint(t, dev)).toBe(current);
    expect(fs.readFileSync(certPaths(t.dataDir).serverCert, 'utf8')).toBe(files);
  });

  it('refuses an expired certificate, one not covering the host name, and a chain that does not link', async () => {
    const csr = await certApi(t).post('/api/v1/certificate/csr').send({ commonName: 'localhost', subjectAltNames: [] });
    const expired = signCsr(ca, csr.body.csrPem, { notAfter: new Date(Date.now() - 60_000) });
    expect((await certApi(t).post('/api/v1/certificate/install').send({ certPem: expired })).body.error.code).toBe('IMPB_ERR_CERT_EXPIRED');
    const strangerCsr = await certApi(t).post('/api/v1/certificate/csr').send({ commonName: 'other.example.net' });
    expect(strangerCsr.body.warnings.join(' ')).toMatch(/does not name localhost \(provisioning.publicHostname\)/);
    expect(t.logs.some((l) => l.event === 'cert.csr.warning')).toBe(true);
    const stranger = signCsr(ca, strangerCsr.body.csrPem);
    const host = await certApi(t).post('/api/v1/certificate/install').send({ certPem: stranger });
    expect(host.body.error.code).toBe('IMPB_ERR_CERT_HOSTNAME');
    const otherCa = await createTestCa('Unrelated CA');
    const csr2 = await certApi(t).post('/api/v1/certificate/csr').send({ commonName: 'localhost' });
    const chain = await certApi(t)
      .post('/api/v1/certificate/install')
      .send({ certPem: signCsr(ca, csr2.body.csrPem), chainPem: otherCa.certPem });
    expect(chain.body.error.code).toBe('IMPB_ERR_CERT_CHAIN');
  });

  it('rollback returns to the previous certificate and key; a second rollback undoes it', async () => {
    const current = await presentedFingerprint(t, dev);
    const view = (await certApi(t).get('/api/v1/certificate')).body;
    const res = await certApi(t).post('/api/v1/certificate/rollback').send();
    expect(res.status).toBe(200);
    expect(res.body.certificate.fingerprint).toBe(view.previous.fingerprint);
    expect(await presentedFingerprint(t, dev)).toBe(view.previous.fingerprint);
    await certApi(t).post('/api/v1/certificate/rollback').send();
    expect(await presentedFingerprint(t, dev)).toBe(current);
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate' });
    expect(audit.filter((a) => a.action === 'rollback').length).toBeGreaterThanOrEqual(2);
  });

  it('renew-self-signed makes a new self-signed certificate, used at once', async () => {
    const res = await certApi(t).post('/api/v1/certificate/renew-self-signed').send();
    expect(res.status).toBe(200);
    expect(await presentedFingerprint(t, dev)).toBe(res.body.certificate.fingerprint);
    expect((await certApi(t).get('/api/v1/certificate')).body.kind).toBe('self-signed');
  });

  it('ec-p256 is refused with the reason', async () => {
    const res = await certApi(t).post('/api/v1/certificate/csr').send({ commonName: 'localhost', keyType: 'ec-p256' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/node-forge.*RSA/);
  });

  it('files replaced on disk by another tool are picked up; an invalid file is refused and the old context stays', async () => {
    const paths = certPaths(t.dataDir);
    const key = await testKey();
    const acme = buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 60, usage: 'server' }, key, {
      certificatePem: ca.certPem,
      privateKeyPem: ca.keyPem,
    });
    writeFileAtomic(paths.serverKey, key, 0o600);
    writeFileAtomic(paths.serverCert, `${acme}${ca.certPem}`, 0o644);
    const expected = createHash('sha256').update(new X509Certificate(acme).raw).digest('hex');
    await waitFor(async () => ((await presentedFingerprint(t, dev)) === expected ? true : undefined));
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate' });
    expect(audit.find((a) => a.action === 'file-change')).toMatchObject({ actor: 'file-watch' });

    writeFileAtomic(paths.serverCert, 'garbage', 0o644);
    await waitFor(() => (t.logs.some((l) => l.event === 'cert.file_watch.refused') ? true : undefined));
    expect(await presentedFingerprint(t, dev)).toBe(expected);
  });
});
