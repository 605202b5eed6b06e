import { randomUUID, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { buildCertificate, certPaths } from '../../src/certs';
import { createCertificateManager, type CertificateManagerDeps } from '../../src/certs/certificate-manager';
import type { CertificateMaterialStore, PendingKey } from '../../src/certs/material-store';
import { assembleServerMaterial, type ServerMaterial } from '../../src/certs/server-certificate';
import type { GenerationMeta } from '../../src/certs/server-generations';
import type { TrustEntry } from '../../src/certs/trust-store';
import { configSchema } from '../../src/config';
import { captureLogger } from '../helpers/capture-logger';
import { createTestCa, createTestCrl, testKey } from '../helpers/test-pki';
import { signCsr } from './cert-test-kit';

/** Certificate material in memory: what a database-backed store will have to provide, and nothing more. */
function createMemoryMaterialStore(initial: ServerMaterial): CertificateMaterialStore & { writes: string[] } {
  const sets: Array<{ material: ServerMaterial; meta: GenerationMeta }> = [
    { material: initial, meta: { action: 'seed', fingerprint: initial.fingerprint, createdAt: '', origin: 'installed' } },
  ];
  let pending: PendingKey | undefined;
  const trust = new Map<string, TrustEntry>();
  const crls = new Map<string, Buffer>();
  const writes: string[] = [];
  return {
    writes,
    readServer: () => sets.at(-1)!.material,
    adoptServer: () => undefined,
    repairServerLayout: () => undefined,
    activateServer(next, meta) {
      writes.push(`server:${meta.action}`);
      sets.push({ material: next, meta: { ...meta, createdAt: new Date().toISOString() } });
    },
    currentServerMeta: () => sets.at(-1)!.meta,
    previousServer() {
      const kept = sets.at(-2);
      return kept && { meta: kept.meta, read: () => kept.material, certificate: () => kept.material.cert };
    },
    tidy: () => undefined,
    readPending: () => pending,
    writePending(keyPem, meta) {
      writes.push('pending');
      pending = { keyPem, meta };
    },
    clearPending() {
      pending = undefined;
    },
    readTrust: () => [...trust.values()],
    writeTrust(entry) {
      writes.push(`trust:${entry.fingerprint.slice(0, 8)}`);
      trust.set(entry.fingerprint, entry);
      return `memory:${entry.fingerprint}`;
    },
    deleteTrust(entry) {
      trust.delete(entry.fingerprint);
    },
    listCrls: () => [...crls.entries()].map(([name, data]) => ({ name, data })),
    writeCrl(issuer, der) {
      writes.push(`crl:${issuer.slice(0, 8)}`);
      crls.set(`${issuer}.crl`, der);
    },
    deleteCrl(name) {
      crls.delete(name);
    },
  };
}

describe('the certificate services reach storage only through CertificateMaterialStore', () => {
  it('trust add, CRL add, CSR, install, rollback and trust remove run on an in-memory store, with no data dir', async () => {
    const ca = await createTestCa('Port CA');
    const key = await testKey();
    const seed = assembleServerMaterial(
      key,
      buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 30, usage: 'server' }, key),
    );
    const material = createMemoryMaterialStore(seed);
    // A data dir that does not exist and must not come to exist: no service may write files itself.
    const dataDir = path.join(os.tmpdir(), `impb-no-data-dir-${randomUUID()}`);
    const config = configSchema.parse({
      dataDir,
      provisioning: { publicHostname: 'localhost', clientCertificate: 'optional' },
      tls: { autoRenewSelfSignedDays: 0 },
    });
    const store = {
      audit: { append: () => Promise.resolve(1) },
      settings: { set: () => Promise.resolve(), get: () => Promise.resolve(undefined) },
      clusters: { list: () => Promise.resolve([]) },
    } as unknown as CertificateManagerDeps['store'];
    const manager = await createCertificateManager({
      config,
      logger: captureLogger('error').logger,
      store,
      metrics: new Registry(),
      paths: certPaths(dataDir),
      material,
    });

    const { added } = await manager.trustAdd([ca.certPem], 'cli');
    await manager.crlAdd(createTestCrl(ca, ['0b']).pem, 'cli');
    expect(manager.crlList()).toEqual([expect.objectContaining({ issuerFingerprint: added[0]!.fingerprint, revokedCount: 1 })]);
    const csr = await manager.createCsr({ commonName: 'localhost', subjectAltNames: ['IP:127.0.0.1'], keyType: 'rsa-2048' }, 'cli');
    const installed = await manager.install({ certPem: signCsr(ca, csr.csrPem), chainPem: ca.certPem }, 'cli');
    expect(installed.usedKey).toBe('pending');
    expect(manager.show()).toMatchObject({ fingerprint: installed.certificate.fingerprint, previous: { fingerprint: seed.fingerprint } });
    await manager.rollback('cli');
    expect(manager.serverCertificate().fingerprint256).toBe(new X509Certificate(seed.certPem).fingerprint256);
    await manager.trustRemove(added[0]!.fingerprint, 'cli');
    expect(manager.crlList()).toEqual([]);
    expect(await manager.reloadFromDisk()).toBe('unchanged');
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(material.writes).toEqual([
      `trust:${added[0]!.fingerprint.slice(0, 8)}`,
      `crl:${added[0]!.fingerprint.slice(0, 8)}`,
      'pending',
      'server:install',
      'server:rollback',
    ]);
  });
});
