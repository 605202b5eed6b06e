import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyType } from '../config/schema';
import type { Logger } from '../observability';
import { buildCertificate } from './build-certificate';
import { certPaths } from './cert-paths';
import { fingerprintOf } from './certificate-info';
import { generateKey } from './keys';
import { writeFileAtomic } from './pem';
import { createServerGenerations } from './server-generations';
import { SELF_SIGNED_ORGANIZATION } from './server-origin';

export interface FirstStartOptions {
  dataDir: string;
  keyType: KeyType;
  validDays: number;
  /** Host names for the SANs besides localhost/127.0.0.1. */
  hostnames?: string[];
  logger: Logger;
}

export function defaultServerNames(extra: string[] = []): string[] {
  return [...new Set([...extra, os.hostname(), 'localhost', '127.0.0.1', '::1'].filter(Boolean))];
}

/** Generates a self-signed server certificate (and writes key 0600) into the data dir. */
export async function createSelfSignedServerCertificate(options: Omit<FirstStartOptions, 'logger'>): Promise<{ certPem: string; keyPem: string }> {
  const names = defaultServerNames(options.hostnames);
  const key = await generateKey(options.keyType);
  const certPem = buildCertificate(
    { commonName: names[0], subjectAltNames: names, organization: SELF_SIGNED_ORGANIZATION, validDays: options.validDays, usage: 'server' },
    key.privateKeyPem,
  );
  return { certPem, keyPem: key.privateKeyPem };
}

/**
 * First start on embedded defaults: a self-signed server certificate when none exists, and,
 * on the very first start only, a development CA + client certificate when nothing is trusted.
 */
export async function ensureFirstStartCertificates(options: FirstStartOptions): Promise<{ generatedServer: boolean; generatedDevPki: boolean }> {
  const paths = certPaths(options.dataDir);
  fs.mkdirSync(paths.trustDir, { recursive: true });
  let generatedServer = false;
  let generatedDevPki = false;
  // Every start after the first has a generation: an empty trust folder then is the operator's doing (all anchors removed, pins only).
  const firstStart = !fs.existsSync(paths.serverGenerationsDir);

  if (!fs.existsSync(paths.serverCert) || !fs.existsSync(paths.serverKey)) {
    const { certPem, keyPem } = await createSelfSignedServerCertificate(options);
    const x509 = new X509Certificate(certPem);
    // Written as a generation like every later set, so key and certificate appear together.
    const generations = createServerGenerations(paths);
    generations.activate({ keyPem, certPem, chainPems: [] }, { action: 'first-start', fingerprint: fingerprintOf(x509), origin: 'generated' });
    generations.link();
    generatedServer = true;
    options.logger.info('generated a self-signed server certificate', {
      event: 'cert.self_signed.generated',
      certificate: paths.serverCert,
      keyFile: paths.serverKey,
      subjectAltNames: x509.subjectAltName,
      notAfter: new Date(x509.validTo).toISOString(),
      fingerprint: fingerprintOf(x509),
    });
  }

  const pemsIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pem')) : []);
  const trustEmpty = pemsIn(paths.trustDir).length === 0 && pemsIn(paths.pinDir).length === 0;
  if (trustEmpty && !firstStart) {
    options.logger.warn('the trust bundle is empty: no client certificate is accepted (imp-bridge trust add)', {
      event: 'cert.trust.empty',
      trustDir: paths.trustDir,
    });
  }
  if (trustEmpty && firstStart) {
    const caKey = await generateKey(options.keyType);
    const caPem = buildCertificate(
      { commonName: 'imp-bridge development CA', organization: 'imp-bridge (development only)', validDays: 365, usage: 'ca', isCa: true },
      caKey.privateKeyPem,
    );
    const clientKey = await generateKey(options.keyType);
    const clientPem = buildCertificate(
      { commonName: 'imp-bridge-dev-client', organization: 'imp-bridge (development only)', validDays: 365, usage: 'client' },
      clientKey.privateKeyPem,
      { certificatePem: caPem, privateKeyPem: caKey.privateKeyPem },
    );
    writeFileAtomic(paths.devCaKey, caKey.privateKeyPem, 0o600);
    writeFileAtomic(paths.devCaCert, caPem, 0o644);
    writeFileAtomic(paths.devClientKey, clientKey.privateKeyPem, 0o600);
    writeFileAtomic(paths.devClientCert, clientPem, 0o644);
    const fingerprint = fingerprintOf(new X509Certificate(caPem));
    writeFileAtomic(path.join(paths.trustDir, `dev-ca-${fingerprint.slice(0, 16)}.pem`), caPem, 0o644);
    generatedDevPki = true;
    options.logger.warn(
      'the trust bundle was empty: generated a DEVELOPMENT CA and client certificate and trusted that CA. Replace it with your AS clusters\u2019 CA before production (imp-bridge trust add / trust remove).',
      {
        event: 'cert.dev_trust.generated',
        devCa: paths.devCaCert,
        devClientCertificate: paths.devClientCert,
        devClientKey: paths.devClientKey,
        trustDir: paths.trustDir,
      },
    );
  }
  return { generatedServer, generatedDevPki };
}
