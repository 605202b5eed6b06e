import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { buildCertificate, certPaths, ensureFirstStartCertificates, writeFileAtomic } from '../../src/certs';
import { createCertificateManager, type CertificateManager, type CertificateManagerDeps } from '../../src/certs/certificate-manager';
import { readServerMaterial } from '../../src/certs/server-files';
import { configSchema } from '../../src/config';
import { captureLogger } from '../helpers/capture-logger';
import { readDevClient, startTestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';
import { createTestCa, testKey, type TestCert } from '../helpers/test-pki';
import { presentedFingerprint, signCsr, waitFor } from './cert-test-kit';

/**
 * The server key, certificate and chain are activated as one set: a crash after any
 * filesystem step of an install, rollback, renewal, migration or adoption leaves either the
 * old set or the new one readable at the stable paths — never a mixture — a fresh start
 * accepts it, and rollback still works.
 */

const fp = (pem: string | Buffer) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

class SimulatedCrash extends Error {}

function managerOn(dataDir: string, afterFsStep?: (step: string) => void): Promise<CertificateManager> {
  const config = configSchema.parse({ dataDir, provisioning: { publicHostname: 'localhost' }, tls: { autoRenewSelfSignedDays: 0 } });
  const store = {
    audit: { append: () => Promise.resolve() },
    settings: { set: () => Promise.resolve(), get: () => Promise.resolve(undefined) },
    clusters: { list: () => Promise.resolve([]) },
  } as unknown as CertificateManagerDeps['store'];
  return createCertificateManager({ config, logger: captureLogger('error').logger, store, metrics: new Registry(), paths: certPaths(dataDir), afterFsStep });
}

/** What the stable paths hold: asserts key, certificate and chain form one set; returns the fingerprint. */
function activeSet(dataDir: string): { fingerprint: string; chainLength: number } {
  const paths = certPaths(dataDir);
  const cert = new X509Certificate(fs.readFileSync(paths.serverCert));
  expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(paths.serverKey)))).toBe(true);
  // Throws when chain.pem does not link up to this certificate.
  const material = readServerMaterial(paths);
  return { fingerprint: fp(cert.toString()), chainLength: material.chain.length };
}

function copyDir(from: string): { dir: string; cleanup: () => void } {
  const temp = makeTempDir('impb-crash-');
  fs.cpSync(from, temp.dir, { recursive: true, verbatimSymlinks: true });
  return temp;
}

/** Runs `op` once to learn its filesystem steps. */
async function stepsOf(seed: string, op: (m: CertificateManager, dir: string) => Promise<unknown>): Promise<string[]> {
  const temp = copyDir(seed);
  try {
    const steps: string[] = [];
    await op(await managerOn(temp.dir, (s) => steps.push(s)), temp.dir);
    return steps;
  } finally {
    temp.cleanup();
  }
}

/** A hook that "crashes" right after the `n`-th filesystem step (0-based). */
function crashAfter(n: number) {
  let seen = 0;
  return (step: string) => {
    if (seen++ === n) throw new SimulatedCrash(`crash after ${step}`);
  };
}

function generationsIn(dataDir: string): string[] {
  return fs.readdirSync(certPaths(dataDir).serverGenerationsDir).filter((e) => e.startsWith('gen-'));
}

describe('server key + certificate + chain: activated atomically as a set', () => {
  let ca: TestCert;
  let seed: { dir: string; cleanup: () => void };
  /** first start → renew: "first" is kept as previous, "old" is active; a CSR is pending. */
  let first: string;
  let old: string;
  let signed: string;

  beforeAll(async () => {
    ca = await createTestCa('Crash Test CA');
    seed = makeTempDir('impb-crash-seed-');
    await ensureFirstStartCertificates({
      dataDir: seed.dir,
      keyType: 'rsa-2048',
      validDays: 365,
      hostnames: ['localhost'],
      logger: captureLogger('error').logger,
    });
    first = activeSet(seed.dir).fingerprint;
    const manager = await managerOn(seed.dir);
    await manager.renewSelfSigned('cli');
    old = activeSet(seed.dir).fingerprint;
    const csr = await manager.createCsr({ commonName: 'localhost', subjectAltNames: ['127.0.0.1'], keyType: 'rsa-2048' }, 'cli');
    signed = signCsr(ca, csr.csrPem);
  });
  afterAll(() => seed.cleanup());

  it('keeps each set in a generation: the stable paths are links into the active one, the key file is 0600', () => {
    const paths = certPaths(seed.dir);
    for (const file of [paths.serverKey, paths.serverCert, paths.serverChain]) expect(fs.lstatSync(file).isSymbolicLink()).toBe(true);
    const active = fs.realpathSync(paths.serverKey);
    expect(path.dirname(active)).toBe(fs.realpathSync(paths.serverCurrent));
    expect(fs.statSync(active).mode & 0o777).toBe(0o600);
    expect(generationsIn(seed.dir)).toHaveLength(2);
  });

  type Case = {
    name: string;
    op: (m: CertificateManager, dir: string) => Promise<unknown>;
    /** What a fresh start must find after a crash; `switched`: the crash came at or after the switch. */
    check: (active: { fingerprint: string; chainLength: number }, switched: boolean) => void;
    /** Where rollback must go from there. */
    rollbackTo: (active: string, switched: boolean) => string | 'other';
  };
  const cases: Case[] = [
    {
      name: 'install (CA-signed certificate + chain, pending key)',
      op: (m) => m.install({ certPem: signed, chainPem: ca.certPem }, 'cli'),
      check: (active, switched) => expect(active).toEqual(switched ? { fingerprint: fp(signed), chainLength: 1 } : { fingerprint: old, chainLength: 0 }),
      rollbackTo: (_active, switched) => (switched ? old : first),
    },
    {
      name: 'rollback',
      op: (m) => m.rollback('cli'),
      check: (active, switched) => expect(active).toEqual({ fingerprint: switched ? first : old, chainLength: 0 }),
      rollbackTo: (_active, switched) => (switched ? old : first),
    },
    {
      name: 'renew-self-signed',
      op: (m) => m.renewSelfSigned('cli'),
      check: (active, switched) => (switched ? expect([old, first]).not.toContain(active.fingerprint) : expect(active.fingerprint).toBe(old)),
      rollbackTo: (_active, switched) => (switched ? old : first),
    },
    {
      name: 'automatic renewal of the self-signed certificate',
      op: (m) => m.renewSelfSigned('system'),
      check: (active, switched) => (switched ? expect([old, first]).not.toContain(active.fingerprint) : expect(active.fingerprint).toBe(old)),
      rollbackTo: (_active, switched) => (switched ? old : first),
    },
  ];

  it.each(cases)(
    '$name: a crash after any step leaves the old or the new set, a fresh start takes it, rollback works',
    async ({ op, check, rollbackTo }) => {
      const steps = await stepsOf(seed.dir, op);
      const switchAt = steps.indexOf('current.switched');
      expect(switchAt).toBeGreaterThan(0);
      expect(steps.filter((s) => s === 'current.switched')).toHaveLength(1);
      for (let n = 0; n < steps.length; n++) {
        const temp = copyDir(seed.dir);
        try {
          const crashing = await managerOn(temp.dir, crashAfter(n));
          await expect(op(crashing, temp.dir)).rejects.toBeInstanceOf(SimulatedCrash);
          const switched = n >= switchAt;
          const active = activeSet(temp.dir);
          check(active, switched);

          const restarted = await managerOn(temp.dir);
          expect(fp(restarted.serverCertificate().toString())).toBe(active.fingerprint);
          const back = await restarted.rollback('cli');
          expect(back.certificate.fingerprint).toBe(rollbackTo(active.fingerprint, switched));
          expect(activeSet(temp.dir).fingerprint).toBe(back.certificate.fingerprint);
          expect(generationsIn(temp.dir).length).toBeLessThanOrEqual(2);
        } catch (err) {
          throw new Error(`crash after step ${n} (${steps[n]}): ${(err as Error).message}`, { cause: err });
        } finally {
          temp.cleanup();
        }
      }
    },
    120_000,
  );

  it('migrating the layout of earlier releases (plain files + previous/) survives a crash after any step', async () => {
    const legacy = makeTempDir('impb-legacy-');
    try {
      const paths = certPaths(legacy.dir);
      const key = await testKey();
      const current = buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 30, usage: 'server' }, key, {
        certificatePem: ca.certPem,
        privateKeyPem: ca.keyPem,
      });
      const before = buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 20, usage: 'server' }, key);
      writeFileAtomic(paths.serverKey, key, 0o600);
      writeFileAtomic(paths.serverCert, current);
      writeFileAtomic(paths.serverChain, ca.certPem);
      writeFileAtomic(paths.legacyPreviousKey, key, 0o600);
      writeFileAtomic(paths.legacyPreviousCert, before);
      fs.mkdirSync(paths.trustDir, { recursive: true });
      writeFileAtomic(path.join(paths.trustDir, 'ca.pem'), ca.certPem);

      const steps = await stepsOf(legacy.dir, () => Promise.resolve());
      expect(steps).toContain('current.switched');
      for (let n = 0; n < steps.length; n++) {
        const temp = copyDir(legacy.dir);
        try {
          await expect(managerOn(temp.dir, crashAfter(n))).rejects.toBeInstanceOf(SimulatedCrash);
          expect(activeSet(temp.dir)).toEqual({ fingerprint: fp(current), chainLength: 1 });
          const restarted = await managerOn(temp.dir);
          expect(fp(restarted.serverCertificate().toString())).toBe(fp(current));
          expect(restarted.show().previous?.fingerprint).toBe(fp(before));
          expect((await restarted.rollback('cli')).certificate.fingerprint).toBe(fp(before));
          expect(activeSet(temp.dir)).toEqual({ fingerprint: fp(before), chainLength: 0 });
          expect(fs.existsSync(paths.legacyPreviousDir.replace(legacy.dir, temp.dir))).toBe(false);
        } catch (err) {
          throw new Error(`crash after step ${n} (${steps[n]}): ${(err as Error).message}`, { cause: err });
        } finally {
          temp.cleanup();
        }
      }
    } finally {
      legacy.cleanup();
    }
  }, 60_000);

  it('files another tool renamed over the stable paths are adopted as a generation, crash-safe at every step', async () => {
    const key = await testKey();
    const acme = buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 60, usage: 'server' }, key, {
      certificatePem: ca.certPem,
      privateKeyPem: ca.keyPem,
    });
    const replaceFiles = (dir: string) => {
      writeFileAtomic(certPaths(dir).serverKey, key, 0o600);
      writeFileAtomic(certPaths(dir).serverCert, `${acme}${ca.certPem}`);
    };
    const steps = await stepsOf(seed.dir, async (m, dir) => {
      replaceFiles(dir);
      expect(await m.reloadFromDisk()).toBe('swapped');
    });
    expect(steps).toContain('current.switched');
    for (let n = 0; n < steps.length; n++) {
      const temp = copyDir(seed.dir);
      try {
        const manager = await managerOn(temp.dir, crashAfter(n));
        replaceFiles(temp.dir);
        // The reload itself succeeds (it logs that the files could not be kept as a generation).
        expect(await manager.reloadFromDisk()).toBe('swapped');
        expect(activeSet(temp.dir)).toEqual({ fingerprint: fp(acme), chainLength: 1 });
        const restarted = await managerOn(temp.dir);
        expect(activeSet(temp.dir)).toEqual({ fingerprint: fp(acme), chainLength: 1 });
        expect((await restarted.rollback('cli')).certificate.fingerprint).toBe(old);
        expect(activeSet(temp.dir)).toEqual({ fingerprint: old, chainLength: 0 });
      } catch (err) {
        throw new Error(`crash after step ${n} (${steps[n]}): ${(err as Error).message}`, { cause: err });
      } finally {
        temp.cleanup();
      }
    }
  }, 60_000);

  it('a running bridge picks up a certificate written in place through the stable paths (cp, acme.sh install-cert)', async () => {
    const t = await startTestBridge({ provisioning: { publicHostname: 'localhost' }, tls: { fileWatchDebounceMs: 100 } });
    try {
      const dev = readDevClient(t.dataDir);
      const paths = certPaths(t.dataDir);
      const before = await presentedFingerprint(t, dev);
      const key = await testKey();
      const acme = buildCertificate({ commonName: 'localhost', subjectAltNames: ['localhost'], validDays: 60, usage: 'server' }, key, {
        certificatePem: ca.certPem,
        privateKeyPem: ca.keyPem,
      });
      fs.writeFileSync(paths.serverKey, key);
      fs.writeFileSync(paths.serverCert, `${acme}${ca.certPem}`);
      await waitFor(async () => ((await presentedFingerprint(t, dev)) === fp(acme) ? true : undefined));
      expect(fs.lstatSync(paths.serverCert).isSymbolicLink()).toBe(true);
      // An install then rollback goes back to it, and rollback from it goes to the set before.
      const renewed = await t.bridge.parts.certs.manager.renewSelfSigned('cli');
      expect(await presentedFingerprint(t, dev)).toBe(renewed.certificate.fingerprint);
      expect((await t.bridge.parts.certs.manager.rollback('cli')).certificate.fingerprint).toBe(fp(acme));
      expect(await presentedFingerprint(t, dev)).toBe(fp(acme));
      expect(before).not.toBe(fp(acme));
    } finally {
      await t.stop();
    }
  });
});
