import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { normaliseFingerprint } from '../domain/client-identity';

/** What operators see of a certificate (CLI tables, admin API, logs). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** SHA-256, lower-case hex without colons: the id used by `trust remove` and the audit trail. */
  fingerprint: string;
  serialNumber: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCa: boolean;
  selfSigned: boolean;
  keyType: string;
}

const DAY_MS = 86_400_000;

/**
 * The one fingerprint format of logs, CLI and API: SHA-256, lower-case hex without colons
 * (what the trust files, the audit trail and `trust remove` already used).
 */
export function fingerprintOf(cert: Pick<X509Certificate, 'fingerprint256'>): string {
  return normaliseFingerprint(cert.fingerprint256);
}

/** Accepts colon-separated, spaced or plain hex in any case (what operators paste from openssl). */
export const normaliseFingerprintInput = normaliseFingerprint;

export function notAfterMs(cert: X509Certificate): number {
  return Date.parse(cert.validTo);
}

export function notBeforeMs(cert: X509Certificate): number {
  return Date.parse(cert.validFrom);
}

/** Self-issued and self-signed. Not checkIssued(self): OpenSSL also demands keyCertSign there, which a server leaf lacks. */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}

/** True when `issuer` issued `cert` (names match and the signature verifies, by OpenSSL). */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

export function keyTypeOf(cert: X509Certificate): string {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return `rsa-${details?.modulusLength ?? '?'}`;
  if (key.asymmetricKeyType === 'ec') return `ec-${details?.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

export function subjectAltNamesOf(cert: X509Certificate): string[] {
  if (!cert.subjectAltName) return [];
  return cert.subjectAltName
    .split(/,\s*/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

export function describeCertificate(cert: X509Certificate, now = Date.now()): CertificateInfo {
  const notAfter = notAfterMs(cert);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    fingerprint: fingerprintOf(cert),
    serialNumber: cert.serialNumber.toLowerCase(),
    subjectAltNames: subjectAltNamesOf(cert),
    notBefore: new Date(notBeforeMs(cert)).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    daysLeft: Math.floor((notAfter - now) / DAY_MS),
    isCa: cert.ca,
    selfSigned: isSelfSigned(cert),
    keyType: keyTypeOf(cert),
  };
}

let systemRoots: X509Certificate[] | undefined;
/** Node's bundled public roots (tls.rootCertificates), parsed once. */
export function systemRootCertificates(): X509Certificate[] {
  systemRoots ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return systemRoots;
}

/** True when the certificate is, or is issued by, a root of the system store. */
export function endsAtSystemRoot(last: X509Certificate): boolean {
  const fp = last.fingerprint256;
  return systemRootCertificates().some((root) => root.fingerprint256 === fp || issuedBy(last, root));
}

/** Hostname or IP coverage, by OpenSSL's rules (wildcards included). */
export function coversName(cert: X509Certificate, name: string): boolean {
  const bare = name.replace(/^\[|\]$/g, '');
  // checkIP throws a TypeError on anything but an IP address (e.g. "IP:127.0.0.1" or "email:x").
  if (isIP(bare)) return cert.checkIP(bare) !== undefined;
  if (bare.includes(':') || bare.includes('@')) return false;
  return cert.checkHost(bare) !== undefined;
}
