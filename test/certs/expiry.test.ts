import { createPublicKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { request } from 'undici';
import { buildCertificate, certPaths, writeFileAtomic } from '../../src/certs';
import { makeTempDir } from '../helpers/temp-dir';
import { startTestBridge } from '../helpers/start-bridge';
import { createTestCa, testKey } from '../helpers/test-pki';

const DAY = 86_400_000;
const fp = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** A data dir holding a self-signed server certificate made like the proxy's default, and one trust anchor, of chosen lifetimes. */
async function seedDataDir(serverValidity: { notBefore: Date; notAfter: Date }, anchorDays: number) {
  const temp = makeTempDir();
  const paths = certPaths(temp.dir);
  const key = await testKey();
  const serverPem = buildCertificate(
    {
      commonName: 'localhost',
      subjectAltNames: ['localhost', '127.0.0.1'],
      organization: 'imp-bridge (self-signed)',
      validDays: 1,
      usage: 'server',
      ...serverValidity,
    },
    key,
  );
  writeFileAtomic(paths.serverKey, key, 0o600);
  writeFileAtomic(paths.serverCert, serverPem);
  const anchor = await createTestCa('Short-lived AS CA', anchorDays);
  writeFileAtomic(`${paths.trustDir}/short.pem`, anchor.certPem);
  return { temp, serverPem, anchorPem: anchor.certPem };
}

describe('expiry: warnings, gauges, readiness, self-signed auto-renewal', () => {
  it('warns and errors once per certificate per day, exports gauges, stays ready while valid', async () => {
    const seed = await seedDataDir({ notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 3 * DAY) }, 20);
    const t = await startTestBridge({ tls: { autoRenewSelfSignedDays: 0 } }, { dataDir: seed.temp.dir });
    try {
      const expiry = t.logs.filter((l) => l.event === 'cert.expiry');
      expect(expiry.find((l) => l.fingerprint === fp(seed.serverPem))).toMatchObject({ level: 'error', kind: 'server', daysLeft: 2 });
      expect(expiry.find((l) => l.fingerprint === fp(seed.anchorPem))).toMatchObject({ level: 'warn', kind: 'trust-anchor' });
      t.bridge.parts.certs.manager.checkExpiry();
      expect(t.logs.filter((l) => l.event === 'cert.expiry')).toHaveLength(expiry.length);

      const metrics = await t.bridge.parts.metrics.metrics();
      const line = metrics.split('\n').find((l) => l.startsWith(`impb_certificate_expiry_seconds{kind="server",fingerprint="${fp(seed.serverPem)}"}`));
      const seconds = Number(line!.split(' ').pop());
      expect(seconds).toBeGreaterThan(2 * 86_400);
      expect(seconds).toBeLessThanOrEqual(3 * 86_400);
      expect(metrics).toMatch(new RegExp(`impb_certificate_not_after_timestamp_seconds\\{kind="trust-anchor",fingerprint="${fp(seed.anchorPem)}"\\} \\d+`));

      const ready = await request(`${t.adminUrl}/readyz`);
      expect(ready.statusCode).toBe(200);
      await ready.body.text();
    } finally {
      await t.stop();
      seed.temp.cleanup();
    }
  });

  it('/readyz is not ready once the server certificate has expired', async () => {
    const seed = await seedDataDir({ notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - 60_000) }, 60);
    const t = await startTestBridge({ tls: { autoRenewSelfSignedDays: 0 } }, { dataDir: seed.temp.dir });
    try {
      const res = await request(`${t.adminUrl}/readyz`);
      const body = (await res.body.json()) as { checks: Record<string, { ok: boolean; reason?: string }> };
      expect(res.statusCode).toBe(503);
      expect(body.checks.certificate!.reason).toMatch(/expired/);
      expect(t.logs.some((l) => l.event === 'cert.expiry' && l.level === 'error' && l.kind === 'server')).toBe(true);
    } finally {
      await t.stop();
      seed.temp.cleanup();
    }
  });

  it('the self-signed default renews itself autoRenewSelfSignedDays before expiry (audit actor: system)', async () => {
    const seed = await seedDataDir({ notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 10 * DAY) }, 60);
    const t = await startTestBridge({ tls: { autoRenewSelfSignedDays: 30 } }, { dataDir: seed.temp.dir });
    try {
      const manager = t.bridge.parts.certs.manager;
      for (let i = 0; i < 100 && fp(manager.serverCertificate().toString()) === fp(seed.serverPem); i++) await new Promise((r) => setTimeout(r, 50));
      const renewed = manager.serverCertificate();
      expect(fp(renewed.toString())).not.toBe(fp(seed.serverPem));
      expect(Date.parse(renewed.validTo) - Date.now()).toBeGreaterThan(300 * DAY);
      const audit = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate' });
      expect(audit.find((a) => a.action === 'auto-renew-self-signed')).toMatchObject({ actor: 'system', before: { fingerprint: fp(seed.serverPem) } });
    } finally {
      await t.stop();
      seed.temp.cleanup();
    }
  });

  it('an installed certificate near expiry is not renewed, even self-signed: a warning instead', async () => {
    const t = await startTestBridge({ provisioning: { publicHostname: 'localhost' }, tls: { autoRenewSelfSignedDays: 30 } });
    try {
      const manager = t.bridge.parts.certs.manager;
      const ca = await createTestCa('Near-expiry CA');
      const installSoonExpiring = async (selfSigned: boolean) => {
        await manager.createCsr({ commonName: 'localhost', subjectAltNames: [], keyType: 'rsa-2048' }, 'cli');
        const pendingKey = fs.readFileSync(certPaths(t.dataDir).pendingKey, 'utf8');
        const spec = { commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 10, usage: 'server' as const };
        const certPem = selfSigned
          ? buildCertificate(spec, pendingKey)
          : buildCertificate(spec, createPublicKey(pendingKey).export({ type: 'spki', format: 'pem' }).toString(), {
              certificatePem: ca.certPem,
              privateKeyPem: ca.keyPem,
            });
        const installed = await manager.install({ certPem }, 'cli');
        // Queued behind a renewal, were one started by the install's expiry check.
        await manager.reloadFromDisk();
        expect(fp(manager.serverCertificate().toString())).toBe(installed.certificate.fingerprint);
        expect(manager.show().origin).toBe('installed');
        expect(t.logs.find((l) => l.event === 'cert.server.not_auto_renewed' && l.fingerprint === installed.certificate.fingerprint)).toMatchObject({
          level: 'warn',
        });
      };
      await installSoonExpiring(true);
      await installSoonExpiring(false);
      const audit = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate' });
      expect(audit.some((a) => a.action === 'auto-renew-self-signed')).toBe(false);
    } finally {
      await t.stop();
    }
  });
});
