import { buildCertificate, generateKey, type CertificateSpec } from '../../src/certs';

export interface TestCert {
  certPem: string;
  keyPem: string;
}

/**
 * Throw-away PKI for tests: a CA and certificates it signs. RSA-2048 keys are generated
 * once per process and reused (key generation dominates test time otherwise).
 */
let sharedKey: Promise<string> | undefined;
async function testKey(): Promise<string> {
  sharedKey ??= generateKey('rsa-2048').then((k) => k.privateKeyPem);
  return sharedKey;
}

export async function createTestCa(commonName = 'Test CA', validDays = 30): Promise<TestCert> {
  const keyPem = (await generateKey('rsa-2048')).privateKeyPem;
  const certPem = buildCertificate({ commonName, validDays, usage: 'ca', isCa: true }, keyPem);
  return { certPem, keyPem };
}

export async function issueCert(
  ca: TestCert,
  spec: Partial<CertificateSpec> & { commonName: string },
  options: { freshKey?: boolean } = {},
): Promise<TestCert> {
  const keyPem = options.freshKey ? (await generateKey('rsa-2048')).privateKeyPem : await testKey();
  const certPem = buildCertificate({ validDays: 30, usage: 'client', ...spec }, keyPem, { certificatePem: ca.certPem, privateKeyPem: ca.keyPem });
  return { certPem, keyPem };
}
