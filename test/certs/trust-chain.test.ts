import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl, issueCert, type TestCert } from '../helpers/test-pki';
import { certApi, expectRefused, freshRequest, serverTrust, UNKNOWN_CA } from './cert-test-kit';

const fp = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

describe('trust chain: hot changes with real handshakes', () => {
  let t: TestBridge;
  let caA: TestCert;
  let caB: TestCert;
  let clientA: TestCert;
  let clientB: TestCert;
  beforeAll(async () => {
    [caA, caB] = await Promise.all([createTestCa('AS cluster A CA'), createTestCa('AS cluster B CA')]);
    [clientA, clientB] = await Promise.all([
      issueCert(caA, { commonName: 'as1.east.example.net', serialHex: '0a0b0c01' }),
      issueCert(caB, { commonName: 'as1.west.example.net' }),
    ]);
    t = await startTestBridge({
      clusters: [
        { name: 'east', identityRules: { subjectCn: ['*.east.example.net'] } },
        // Fingerprint rules match the client's own certificate: naming its CA there would let nobody in.
        { name: 'pinned', identityRules: { fingerprints: [fp(clientB.certPem)] } },
        { name: 'ca-named', identityRules: { fingerprints: [fp(caA.certPem)] } },
      ],
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses a client without a certificate, logs why, and (since issue 12 §7) tells it why in a 403 instead of a bare close', async () => {
    const outcome = await freshRequest(t, {});
    expectRefused(outcome, 'NO_CLIENT_CERTIFICATE');
    expect(t.logs.some((l) => l.event === 'tls.client_refused' && l.reason === 'NO_CLIENT_CERTIFICATE')).toBe(true);
  });

  it('trust add: a client of the new CA is accepted without restart; audit says admin-api', async () => {
    expectRefused(await freshRequest(t, clientA), UNKNOWN_CA, 'CN=as1.east.example.net');
    const res = await certApi(t).post('/api/v1/trust').send({ pem: caA.certPem });
    expect(res.status).toBe(201);
    expect(res.body.added[0].fingerprint).toBe(fp(caA.certPem));
    expect((await freshRequest(t, clientA)).status).toBe(404);
    // the dev client (first-start CA) still works: anchors are added next to each other
    const dev = readDevClient(t.dataDir);
    expect((await freshRequest(t, { cert: dev.cert, key: dev.key })).status).toBe(404);
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'trust-anchor', entityId: fp(caA.certPem) });
    expect(audit[0]).toMatchObject({ actor: 'admin-api', action: 'add' });
  });

  it('trust list: subject, issuer, fingerprint, expiry, and the clusters seen using an anchor', async () => {
    const res = await certApi(t).get('/api/v1/trust');
    expect(res.status).toBe(200);
    const a = res.body.anchors.find((x: { fingerprint: string }) => x.fingerprint === fp(caA.certPem));
    expect(a).toMatchObject({ kind: 'anchor', subject: 'CN=AS cluster A CA', issuer: 'CN=AS cluster A CA', isCa: true });
    expect(a.daysLeft).toBeGreaterThanOrEqual(29);
    // 'ca-named' names the CA's fingerprint, which no client presents: it uses nothing.
    expect(a.usedBy).toEqual(['east']);
  });

  it('refuses imports that are not CAs, expired, duplicated or unreadable, changing nothing', async () => {
    const api = certApi(t);
    const before = (await api.get('/api/v1/trust')).body.anchors.length;
    const notCa = await api.post('/api/v1/trust').send({ pem: clientB.certPem });
    expect(notCa.status).toBe(400);
    expect(notCa.body.error.code).toBe('IMPB_ERR_CERT_NOT_CA');
    expect(notCa.body.error.message).toMatch(/--leaf/);
    const expiredCa = await createTestCa('Expired CA', 1, { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const expired = await api.post('/api/v1/trust').send({ pem: expiredCa.certPem });
    expect(expired.body.error.code).toBe('IMPB_ERR_CERT_EXPIRED');
    const dup = await api.post('/api/v1/trust').send({ pem: caA.certPem });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('IMPB_ERR_CERT_DUPLICATE');
    // one bad certificate in a bundle refuses the whole bundle
    const mixed = await api.post('/api/v1/trust').send({ pem: caB.certPem + clientB.certPem });
    expect(mixed.body.error.code).toBe('IMPB_ERR_CERT_NOT_CA');
    const garbage = await api.post('/api/v1/trust').send({ pem: 'hello' });
    expect(garbage.body.error.code).toBe('IMPB_ERR_CERT_INVALID');
    const badBody = await api.post('/api/v1/trust').send({});
    expect(badBody.body.error.code).toBe('IMPB_ERR_VALIDATION');
    expect((await api.get('/api/v1/trust')).body.anchors.length).toBe(before);
  });

  it('expired client certificate of a trusted CA is refused (CERT_HAS_EXPIRED logged, and named in the 403 since issue 12 §7)', async () => {
    const expired = await issueCert(caA, {
      commonName: 'old.east.example.net',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expectRefused(await freshRequest(t, expired), 'CERT_HAS_EXPIRED', 'CN=old.east.example.net');
    expect(t.logs.some((l) => l.event === 'tls.client_refused' && l.reason === 'CERT_HAS_EXPIRED' && String(l.subject).includes('old.east.example.net'))).toBe(
      true,
    );
  });

  it('CRL: the revoked client is refused (CERT_REVOKED in the 403 since issue 12 §7), a client of another CA without CRL still accepted (E5)', async () => {
    const api = certApi(t);
    expect((await api.post('/api/v1/trust').send({ pem: caB.certPem })).status).toBe(201);
    const sibling = await issueCert(caA, { commonName: 'as2.east.example.net', serialHex: '0a0b0c02' });
    const crl = createTestCrl(caA, ['0a0b0c01']);
    const res = await api.post('/api/v1/trust/crl').send({ der: crl.der.toString('base64') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ issuerFingerprint: fp(caA.certPem), revokedCount: 1 });
    expectRefused(await freshRequest(t, clientA), 'CERT_REVOKED', 'CN=as1.east.example.net');
    expect(t.logs.some((l) => l.event === 'tls.client_refused' && l.reason === 'CERT_REVOKED' && l.fingerprint === fp(clientA.certPem))).toBe(true);
    expect((await freshRequest(t, sibling)).status).toBe(404);
    expect((await freshRequest(t, clientB)).status).toBe(404);
    const usage = (await api.get('/api/v1/trust')).body.anchors.find((x: { fingerprint: string }) => x.fingerprint === fp(caB.certPem));
    expect(usage.usedBy).toEqual(['pinned']);
    // a CRL no trusted CA signed is refused
    const stranger = await createTestCa('Stranger CA');
    const refused = await api.post('/api/v1/trust/crl').send({ pem: createTestCrl(stranger, ['01']).pem });
    expect(refused.body.error.code).toBe('IMPB_ERR_CRL_INVALID');
    const list = await api.get('/api/v1/trust');
    expect(list.body.anchors.find((x: { fingerprint: string }) => x.fingerprint === fp(caA.certPem)).crl.revokedCount).toBe(1);
  });

  it('trust remove: refused on its next handshake (a 403 naming the reason since issue 12 §7), and an idle kept-alive connection is closed (E3)', async () => {
    const agent = new Agent({ connect: { ca: serverTrust(t), cert: clientB.certPem, key: clientB.keyPem } });
    try {
      const first = await request(`${t.provisioningUrl}/x`, { dispatcher: agent });
      await first.body.text();
      expect(first.statusCode).toBe(404);
      const idleClosed = new Promise<boolean>((resolve) => agent.once('disconnect', () => resolve(true)));
      const res = await certApi(t).delete(`/api/v1/trust/${new X509Certificate(caB.certPem).fingerprint256}`);
      expect(res.status).toBe(200);
      expect(res.body.removed.fingerprint).toBe(fp(caB.certPem));
      expectRefused(await freshRequest(t, clientB), UNKNOWN_CA, 'CN=as1.west.example.net');
      // The kept-alive connection is closed by the server, so the agent's next request needs a new
      // handshake, which is refused: since issue 12 §7 with a 403 naming the reason, not a bare close.
      await expect(idleClosed).resolves.toBe(true);
      const second = await request(`${t.provisioningUrl}/x`, { dispatcher: agent }).then(
        async (r) => ({ status: r.statusCode, body: await r.body.text() }),
        (err: Error) => ({ error: err.message }),
      );
      expectRefused(second, UNKNOWN_CA, 'CN=as1.west.example.net');
      expect((await freshRequest(t, readDevClientMaterial(t))).status).toBe(404);
      const audit = await t.bridge.parts.store.audit.list({ entityType: 'trust-anchor', entityId: fp(caB.certPem) });
      expect(audit.map((a) => a.action)).toContain('remove');
      const unknown = await certApi(t).delete('/api/v1/trust/00112233445566778899');
      expect(unknown.status).toBe(404);
    } finally {
      await agent.close();
    }
  });

  it('leaf pin: a non-CA certificate is accepted with leaf:true and its client gets in', async () => {
    const orphanCa = await createTestCa('Unknown issuer');
    const pinned = await issueCert(orphanCa, { commonName: 'pinned.example.net' });
    expectRefused(await freshRequest(t, pinned), UNKNOWN_CA, 'CN=pinned.example.net');
    const res = await certApi(t).post('/api/v1/trust').send({ pem: pinned.certPem, leaf: true });
    expect(res.status).toBe(201);
    expect(res.body.added[0].kind).toBe('pin');
    expect((await freshRequest(t, pinned)).status).toBe(404);
  });

  it('leaf pin: with leaf:true a bundle of a CA and a leaf makes the CA an anchor and only the leaf a pin', async () => {
    const bundleCa = await createTestCa('Bundle CA');
    const ofBundleCa = await issueCert(bundleCa, { commonName: 'as9.east.example.net' });
    const stray = await issueCert(await createTestCa('Stray issuer'), { commonName: 'stray.example.net' });
    const res = await certApi(t)
      .post('/api/v1/trust')
      .send({ pem: bundleCa.certPem + stray.certPem, leaf: true });
    expect(res.status).toBe(201);
    expect(Object.fromEntries(res.body.added.map((a: { fingerprint: string; kind: string }) => [a.fingerprint, a.kind]))).toEqual({
      [fp(bundleCa.certPem)]: 'anchor',
      [fp(stray.certPem)]: 'pin',
    });
    expect((await freshRequest(t, ofBundleCa)).status).toBe(404);
    expect((await freshRequest(t, stray)).status).toBe(404);
  });

  it('combined chain file (root + issuing CA) becomes one anchor per certificate; diff previews', async () => {
    const root = await createTestCa('Internal Private Root');
    const sub = await issueCert(root, { commonName: 'Internal Private TLS SubCA', usage: 'ca', isCa: true }, { freshKey: true });
    const combined = `${root.certPem}\n${sub.certPem}`;
    const diff = await certApi(t).post('/api/v1/trust/diff').send({ pem: combined });
    expect(diff.status).toBe(200);
    expect(diff.body.add.map((c: { subject: string }) => c.subject).sort()).toEqual(['CN=Internal Private Root', 'CN=Internal Private TLS SubCA']);
    expect(diff.body.keep).toEqual([]);
    expect(diff.body.remove.length).toBeGreaterThan(0);
    const res = await certApi(t).post('/api/v1/trust').send({ pem: combined });
    expect(res.body.added).toHaveLength(2);
    const client = await issueCert(sub, { commonName: 'bwcticlient.webex.com' });
    // the client presents its leaf only; OpenSSL finds SubCA and root among the anchors
    expect((await freshRequest(t, client)).status).toBe(404);
    const again = await certApi(t).post('/api/v1/trust/diff').send({ pem: combined });
    expect(again.body.add).toEqual([]);
    expect(again.body.keep).toHaveLength(2);
  });
});

function readDevClientMaterial(t: TestBridge) {
  const dev = readDevClient(t.dataDir);
  return { cert: dev.cert, key: dev.key };
}
