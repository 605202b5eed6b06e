import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { buildCertificate } from '../../src/certs';
import { buildProgram } from '../../src/cli/main';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl } from '../helpers/test-pki';
import { signCsr } from './cert-test-kit';

const fp = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** The CLI against a running proxy, through its real admin API (/api/v1, token from the data dir). */
describe('imp-bridge trust / cert commands', () => {
  let t: TestBridge;
  const saved = { ...process.env };
  beforeAll(async () => {
    t = await startTestBridge();
    Object.assign(process.env, {
      IMP_BRIDGE_DATA_DIR: t.dataDir,
      IMP_BRIDGE_ADMIN_HOST: '127.0.0.1',
      IMP_BRIDGE_ADMIN_PORT: String(t.bridge.adminAddress.port),
    });
  });
  afterAll(async () => {
    process.env = saved;
    await t.stop();
  });

  async function run(...args: string[]): Promise<string> {
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await buildProgram()
        .exitOverride()
        .parseAsync(['node', 'imp-bridge', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it('trust add / list / remove, marked as cli in the audit trail', async () => {
    const ca = await createTestCa('CLI CA');
    const file = path.join(t.dataDir, 'cli-ca.pem');
    fs.writeFileSync(file, ca.certPem);
    const diff = JSON.parse(await run('trust', 'diff', file, '--json'));
    expect(diff.add).toHaveLength(1);
    const added = JSON.parse(await run('trust', 'add', file, '--json'));
    const fingerprint = added.added[0].fingerprint as string;
    const table = await run('trust', 'list');
    expect(table).toMatch(/^KIND\s+SUBJECT/);
    expect(table).toContain(fingerprint);
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'trust-anchor', entityId: fingerprint });
    expect(audit[0]!.actor).toBe('cli');
    expect(await run('trust', 'remove', fingerprint)).toMatch(/removed CN=CLI CA/);
  });

  it('cert csr --out writes a CSR; cert show prints the certificate', async () => {
    const out = path.join(t.dataDir, 'req.csr');
    await run('cert', 'csr', '--cn', 'localhost', '--san', '127.0.0.1', 'bridge.local', '--out', out);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/BEGIN CERTIFICATE REQUEST/);
    const show = JSON.parse(await run('cert', 'show', '--json'));
    expect(show.pending.subjectAltNames).toEqual(['localhost', '127.0.0.1', 'bridge.local']);
    expect(await run('cert', 'show')).toMatch(/fingerprint\s+[0-9a-f]{64}/);
  });

  it('README workflow without provisioning.publicHostname: cert csr --cn/--san, then cert install of the signed file, then cert rollback', async () => {
    const ca = await createTestCa('CLI Install CA');
    const before = t.bridge.parts.certs.manager.show().fingerprint;
    const csrFile = path.join(t.dataDir, 'bridge.csr');
    await run('cert', 'csr', '--cn', 'bridge.example.net', '--san', 'bridge.example.net', '--out', csrFile);
    const certFile = path.join(t.dataDir, 'bridge.crt');
    const chainFile = path.join(t.dataDir, 'install-ca.pem');
    fs.writeFileSync(certFile, signCsr(ca, fs.readFileSync(csrFile, 'utf8')));
    fs.writeFileSync(chainFile, ca.certPem);
    const installed = JSON.parse(await run('cert', 'install', certFile, '--chain', chainFile, '--json'));
    expect(installed).toMatchObject({ usedKey: 'pending', previousFingerprint: before, certificate: { subject: 'CN=bridge.example.net' } });
    expect(installed.certificate.subjectAltNames).toEqual(['DNS:bridge.example.net']);
    expect(t.bridge.parts.certs.manager.show()).toMatchObject({
      fingerprint: installed.certificate.fingerprint,
      origin: 'installed',
      chain: [{ subject: 'CN=CLI Install CA' }],
    });
    const install = await t.bridge.parts.store.audit.list({ entityType: 'server-certificate', entityId: installed.certificate.fingerprint });
    expect(install.find((a) => a.action === 'install')).toMatchObject({ actor: 'cli' });

    expect(await run('cert', 'rollback')).toMatch(new RegExp(`fingerprint\\s+${before}`));
    expect(t.bridge.parts.certs.manager.show()).toMatchObject({ fingerprint: before, previous: { fingerprint: installed.certificate.fingerprint } });
  });

  it('cert install refuses a certificate missing a name the CSR asked for', async () => {
    const ca = await createTestCa('CLI Names CA');
    const csr = await t.bridge.parts.certs.manager.createCsr(
      { commonName: 'bridge.example.net', subjectAltNames: ['bridge2.example.net'], keyType: 'rsa-2048' },
      'cli',
    );
    const partial = buildCertificate(
      { commonName: 'bridge.example.net', subjectAltNames: ['bridge.example.net'], validDays: 30, usage: 'server' },
      forge.pki.publicKeyToPem(forge.pki.certificationRequestFromPem(csr.csrPem).publicKey!),
      { certificatePem: ca.certPem, privateKeyPem: ca.keyPem },
    );
    const file = path.join(t.dataDir, 'partial.crt');
    fs.writeFileSync(file, partial);
    await expect(run('cert', 'install', file)).rejects.toThrow(/bridge2\.example\.net.*CSR/);
  });

  it('cert install --check prints every check and installs nothing: exit 1 with the failed check named, exit 0 when all pass', async () => {
    const ca = await createTestCa('CLI Check CA');
    const caFile = path.join(t.dataDir, 'check-ca.pem');
    fs.writeFileSync(caFile, ca.certPem);
    const csr = await t.bridge.parts.certs.manager.createCsr(
      { commonName: 'check.example.net', subjectAltNames: ['check2.example.net'], keyType: 'rsa-2048' },
      'cli',
    );
    const publicKey = forge.pki.publicKeyToPem(forge.pki.certificationRequestFromPem(csr.csrPem).publicKey!);
    const partial = buildCertificate({ commonName: 'check.example.net', subjectAltNames: ['check.example.net'], validDays: 60, usage: 'server' }, publicKey, {
      certificatePem: ca.certPem,
      privateKeyPem: ca.keyPem,
    });
    const partialFile = path.join(t.dataDir, 'check-partial.crt');
    fs.writeFileSync(partialFile, partial);
    const before = t.bridge.parts.certs.manager.show();
    try {
      const table = await run('cert', 'install', partialFile, '--chain', caFile, '--check');
      expect(table).toMatch(/^CHECK\s+RESULT\s+DETAIL/);
      expect(table).toMatch(/^hostnames\s+FAILED\s+.*check2\.example\.net/m);
      expect(table).toMatch(/^key\s+ok\s+matches the pending key/m);
      expect(table).toMatch(/nothing installed/);
      expect(process.exitCode).toBe(1);
      process.exitCode = undefined;

      const good = signCsr(ca, csr.csrPem);
      const goodFile = path.join(t.dataDir, 'check-good.crt');
      fs.writeFileSync(goodFile, good);
      const json = JSON.parse(await run('cert', 'install', goodFile, '--chain', caFile, '--dry-run', '--json'));
      expect(json.ok).toBe(true);
      expect(json.checks.map((c: { check: string; ok: boolean }) => [c.check, c.ok])).toEqual([
        ['certificate', true],
        ['key', true],
        ['validity', true],
        ['hostnames', true],
        ['chain', true],
        ['expiry', true],
      ]);
      expect(process.exitCode ?? 0).toBe(0);
      // Neither run activated anything nor used up the pending key.
      expect(t.bridge.parts.certs.manager.show()).toEqual(before);
      expect(before.pending).toMatchObject({ commonName: 'check.example.net' });
    } finally {
      process.exitCode = undefined;
    }
  });

  it('trust crl add loads a CRL of a trusted CA (PEM and DER), marked as cli in the audit trail', async () => {
    const ca = await createTestCa('CLI CRL CA');
    const caFile = path.join(t.dataDir, 'crl-ca.pem');
    fs.writeFileSync(caFile, ca.certPem);
    await run('trust', 'add', caFile);
    const pemFile = path.join(t.dataDir, 'ca.crl.pem');
    fs.writeFileSync(pemFile, createTestCrl(ca, ['01'], { thisUpdate: new Date(Date.now() - 120_000) }).pem);
    expect(JSON.parse(await run('trust', 'crl', 'add', pemFile, '--json'))).toMatchObject({ issuerFingerprint: fp(ca.certPem), revokedCount: 1 });
    const derFile = path.join(t.dataDir, 'ca.crl');
    fs.writeFileSync(derFile, createTestCrl(ca, ['01', '02']).der);
    expect(JSON.parse(await run('trust', 'crl', 'add', derFile, '--json'))).toMatchObject({ revokedCount: 2 });
    expect(await run('trust', 'crl', 'list')).toContain(fp(ca.certPem));
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'crl', entityId: fp(ca.certPem) });
    expect(audit.map((a) => [a.actor, a.action]).sort()).toEqual([
      ['cli', 'add'],
      ['cli', 'replace'],
    ]);
    const stranger = await createTestCa('CLI Stranger CA');
    const strangerFile = path.join(t.dataDir, 'stranger.crl');
    fs.writeFileSync(strangerFile, createTestCrl(stranger, ['01']).der);
    await expect(run('trust', 'crl', 'add', strangerFile)).rejects.toThrow(/no trusted CA signed this CRL/);
  });

  it('ec-p256 is refused with a clear message', async () => {
    await expect(run('cert', 'csr', '--cn', 'localhost', '--key-type', 'ec-p256')).rejects.toThrow(/node-forge.*RSA/);
  });
});
