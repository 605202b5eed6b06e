import { isIP } from 'node:net';
import forge from 'node-forge';

export interface CsrSpec {
  commonName: string;
  /** DNS names and IP addresses; the common name is added when missing (browsers and the AS read SANs only). */
  subjectAltNames: string[];
  organization?: string;
}

/** PKCS#10 request (PEM) for an RSA key (PKCS#8 PEM), signed with SHA-256 by node-forge. */
export function buildCsr(spec: CsrSpec, privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: spec.commonName }];
  if (spec.organization) subject.push({ name: 'organizationName', value: spec.organization });
  csr.setSubject(subject);
  const names = [...new Set([spec.commonName, ...spec.subjectAltNames])];
  csr.setAttributes([
    {
      name: 'extensionRequest',
      extensions: [{ name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) }],
    },
  ]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}
