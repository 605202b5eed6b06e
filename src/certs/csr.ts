import forge from 'node-forge';
import { parseSubjectAltName, type SubjectAltName } from './subject-alt-name';

export interface CsrSpec {
  commonName: string;
  /** DNS names and IP addresses, bare or with OpenSSL's prefixes (DNS:, IP:, email:, URI:); the common name is added when missing (browsers and the AS read SANs only). */
  subjectAltNames: string[];
  organization?: string;
}

/** PKCS#10 request (PEM) for an RSA key (PKCS#8 PEM), signed with SHA-256 by node-forge. */
export function buildCsr(spec: CsrSpec, privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: spec.commonName }];
  if (spec.organization) subject.push({ name: 'organizationName', value: spec.organization });
  csr.setSubject(subject);
  const names = [spec.commonName, ...spec.subjectAltNames].map(parseSubjectAltName);
  const unique = [...new Map(names.map((n) => [`${n.type}:${n.value}`, n])).values()];
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: unique.map(forgeAltName) }] }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** GeneralName tags (RFC 5280): rfc822Name 1, dNSName 2, uniformResourceIdentifier 6, iPAddress 7. */
function forgeAltName(name: SubjectAltName): { type: number; value?: string; ip?: string } {
  if (name.type === 'ip') return { type: 7, ip: name.value };
  return { type: { dns: 2, email: 1, uri: 6 }[name.type], value: name.value };
}
