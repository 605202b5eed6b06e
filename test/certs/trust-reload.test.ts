import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { certPaths, writeFileAtomic } from '../../src/certs';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl, issueCert } from '../helpers/test-pki';
import { certApi, expectRefused, freshRequest, UNKNOWN_CA, waitFor } from './cert-test-kit';

const fp = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
const DEBOUNCE_MS = 100;
/** Long enough for the folder watch to have fired and reloaded after our own writes. */
const settle = () => new Promise((r) => setTimeout(r, DEBOUNCE_MS * 10));

describe('trust and CRL files on disk: reloads see only real changes, and check what they load', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ tls: { fileWatchDebounceMs: DEBOUNCE_MS } });
  });
  afterAll(async () => {
    await t.stop();
  });

  const anchors = async (): Promise<string[]> => (await certApi(t).get('/api/v1/trust')).body.anchors.map((a: { fingerprint: string }) => a.fingerprint);
  const fileWatchAudit = async () => (await t.bridge.parts.store.audit.list({ entityType: 'trust-anchor' })).filter((a) => a.actor === 'file-watch');
  const crlFileWatchAudit = async () => (await t.bridge.parts.store.audit.list({ entityType: 'crl' })).filter((a) => a.actor === 'file-watch');
  const swaps = () => t.logs.filter((l) => l.event === 'cert.file_watch.swapped').length;

  it("the proxy's own trust add and crl add are not seen as changes by the file watch", async () => {
    const [caX, caY] = await Promise.all([createTestCa('Own change X CA'), createTestCa('Own change Y CA')]);
    // Added in the reverse of the order the disk lists them in (files are named by fingerprint).
    const [first, second] = fp(caX.certPem) > fp(caY.certPem) ? [caX, caY] : [caY, caX];
    const swapsBefore = swaps();
    for (const ca of [first, second]) expect((await certApi(t).post('/api/v1/trust').send({ pem: ca.certPem })).status).toBe(201);
    for (const ca of [first, second])
      expect(
        (
          await certApi(t)
            .post('/api/v1/trust/crl')
            .send({ der: createTestCrl(ca, ['01']).der.toString('base64') })
        ).status,
      ).toBe(201);
    expect(await t.bridge.parts.certs.manager.reloadFromDisk()).toBe('unchanged');
    await settle();
    expect(swaps()).toBe(swapsBefore);
    expect(await fileWatchAudit()).toEqual([]);
    expect(await crlFileWatchAudit()).toEqual([]);
  });

  it('a valid CA file dropped into the trust folder is used without restart', async () => {
    const dropped = await createTestCa('Dropped-in CA');
    const client = await issueCert(dropped, { commonName: 'as5.example.net' });
    // Refused before the drop: since issue 12 §7 a 403 naming the reason, no longer a bare close.
    expectRefused(await freshRequest(t, client), UNKNOWN_CA, 'CN=as5.example.net');
    writeFileAtomic(path.join(certPaths(t.dataDir).trustDir, 'dropped-in.pem'), dropped.certPem);
    await waitFor(async () => ((await anchors()).includes(fp(dropped.certPem)) ? true : undefined));
    expect((await freshRequest(t, client)).status).toBe(404);
    expect((await fileWatchAudit()).map((a) => a.action)).toEqual(['file-change']);
  });

  it('a non-CA or expired certificate dropped into the trust folder is refused: logged, not trusted, the running context stays', async () => {
    const manager = t.bridge.parts.certs.manager;
    const optionsBefore = manager.options();
    const trustedBefore = await anchors();
    const leaf = await issueCert(await createTestCa('Leaf issuer'), { commonName: 'leaf.example.net' });
    const expired = await createTestCa('Expired dropped CA', 1, {
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const trustDir = certPaths(t.dataDir).trustDir;
    writeFileAtomic(path.join(trustDir, 'not-a-ca.pem'), leaf.certPem);
    writeFileAtomic(path.join(trustDir, 'expired.pem'), expired.certPem);
    await waitFor(() => (t.logs.filter((l) => l.event === 'cert.trust.file_refused').length >= 2 ? true : undefined));
    const refused = t.logs.filter((l) => l.event === 'cert.trust.file_refused');
    expect(refused.map((l) => path.basename(String(l.file))).sort()).toEqual(['expired.pem', 'not-a-ca.pem']);
    expect(String(refused.find((l) => String(l.file).endsWith('not-a-ca.pem'))!.reason)).toMatch(/not a CA/);
    expect(String(refused.find((l) => String(l.file).endsWith('expired.pem'))!.reason)).toMatch(/expired/);
    expect(await anchors()).toEqual(trustedBefore);
    expect(manager.options()).toBe(optionsBefore);
    fs.rmSync(path.join(trustDir, 'not-a-ca.pem'));
    fs.rmSync(path.join(trustDir, 'expired.pem'));
  });

  it("trust add --replace deletes the removed CAs' CRL files: no orphan CRL at the next reload", async () => {
    const [gone, kept] = await Promise.all([createTestCa('Replaced CA'), createTestCa('Kept CA')]);
    expect((await certApi(t).post('/api/v1/trust').send({ pem: gone.certPem })).status).toBe(201);
    expect(
      (
        await certApi(t)
          .post('/api/v1/trust/crl')
          .send({ pem: createTestCrl(gone, ['02']).pem })
      ).status,
    ).toBe(201);
    const crlDir = certPaths(t.dataDir).crlDir;
    const crlFiles = () => fs.readdirSync(crlDir).filter((f) => f.endsWith('.crl'));
    expect(crlFiles()).toContain(`${fp(gone.certPem)}.crl`);
    const res = await certApi(t).post('/api/v1/trust').send({ pem: kept.certPem, replace: true });
    expect(res.status).toBe(201);
    expect(res.body.removed.map((r: { fingerprint: string }) => r.fingerprint)).toContain(fp(gone.certPem));
    expect(crlFiles()).toEqual([]);
    await t.bridge.parts.certs.manager.reloadFromDisk();
    expect(t.logs.some((l) => l.event === 'cert.crl.orphan')).toBe(false);
  });
});
