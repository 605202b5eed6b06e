import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface CertificateSpec {
  commonName: string;
  /** DNS names and IP addresses. */
  subjectAltNames?: string[];
  organization?: string;
  validDays: number;
  /** Backdate notBefore (clock skew between peers); default 5 minutes. */
  backdateMs?: number;
  isCa?: boolean;
  /** Explicit validity (tests make expired or short-lived certificates); overrides validDays/backdateMs. */
  notBefore?: Date;
  notAfter?: Date;
  /** Explicit serial (hex), e.g. to revoke it in a test CRL. Random 16 bytes by default. */
  serialHex?: string;
  usage: 'server' | 'client' | 'ca' | 'server+client';
}

export interface Issuer {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * Builds an X.509 v3 certificate for `subjectKeyPem` (RSA private key, PKCS#8 PEM — or the
 * subject's public key PEM when an issuer signs a CSR), signed by `issuer`
 * or self-signed when no issuer is given. node-forge builds and signs; it never verifies.
 */
export function buildCertificate(spec: CertificateSpec, subjectKeyPem: string, issuer?: Issuer): string {
  const cert = forge.pki.createCertificate();
  if (subjectKeyPem.includes('PUBLIC KEY')) {
    // A CA signing a CSR holds only the subject's public key.
    if (!issuer) throw new Error('a self-signed certificate needs the subject private key');
    cert.publicKey = forge.pki.publicKeyFromPem(subjectKeyPem);
  } else {
    const subjectKey = forge.pki.privateKeyFromPem(subjectKeyPem);
    cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
  }
  // Positive 16-byte serial: the high bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] = serial[0] & 0x7f;
  cert.serialNumber = spec.serialHex ?? serial.toString('hex');
  cert.validity.notBefore = spec.notBefore ?? new Date(Date.now() - (spec.backdateMs ?? 5 * 60_000));
  cert.validity.notAfter = spec.notAfter ?? new Date(Date.now() + spec.validDays * 86_400_000);

  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: spec.commonName }];
  if (spec.organization) subject.push({ name: 'organizationName', value: spec.organization });
  cert.setSubject(subject);

  const issuerCert = issuer ? forge.pki.certificateFromPem(issuer.certificatePem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);

  const extensions: Record<string, unknown>[] = [];
  if (spec.isCa || spec.usage === 'ca') {
    extensions.push({ name: 'basicConstraints', cA: true, critical: true });
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    extensions.push({ name: 'basicConstraints', cA: false });
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: spec.usage === 'server' || spec.usage === 'server+client',
      clientAuth: spec.usage === 'client' || spec.usage === 'server+client',
    });
  }
  if (spec.subjectAltNames?.length) {
    extensions.push({
      name: 'subjectAltName',
      altNames: spec.subjectAltNames.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    });
  }
  extensions.push({ name: 'subjectKeyIdentifier' });
  if (issuerCert) {
    extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(extensions);

  const signingKey = forge.pki.privateKeyFromPem(issuer ? issuer.privateKeyPem : subjectKeyPem);
  cert.sign(signingKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
