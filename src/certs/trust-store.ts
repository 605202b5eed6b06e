import { X509Certificate } from 'node:crypto';
import { ImpbError } from '../errors';
import { describeCertificate, fingerprintOf, notAfterMs, notBeforeMs, type CertificateInfo } from './certificate-info';
import { splitCertificates } from './pem';

/** One trusted certificate: a CA anchor, or a leaf pinned by fingerprint (`--leaf`). */
export interface TrustEntry {
  kind: 'anchor' | 'pin';
  pem: string;
  cert: X509Certificate;
  fingerprint: string;
  /** The file it was read from (a bundle file may hold several entries). */
  file: string;
}

export interface RefusedCertificate {
  index: number;
  subject?: string;
  fingerprint?: string;
  code: 'IMPB_ERR_CERT_INVALID' | 'IMPB_ERR_CERT_NOT_CA' | 'IMPB_ERR_CERT_EXPIRED' | 'IMPB_ERR_CERT_DUPLICATE';
  reason: string;
}

export interface TrustDiff {
  add: CertificateInfo[];
  remove: CertificateInfo[];
  keep: CertificateInfo[];
  refused: RefusedCertificate[];
}

export interface TrustReadOptions {
  /** Fingerprints in use now: kept without the checks (an anchor nearing its end is not dropped by an unrelated change). */
  trusted: ReadonlySet<string>;
  now: number;
  /** A file holding a certificate that fails the import checks is left out whole (another tool may have dropped it there). */
  onRefused: (file: string, reason: string) => void;
}

/** PEM bundle (e.g. Cisco's CombinedCertChain file) or one DER certificate → PEM certificates. */
export function parseCertificateInput(data: Buffer | string): string[] {
  let pems: string[];
  try {
    pems = splitCertificates(data);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: 'not a certificate: expected PEM ("-----BEGIN CERTIFICATE-----") or DER', cause: err });
  }
  if (pems.length === 0) throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: 'no certificate found: expected PEM ("-----BEGIN CERTIFICATE-----") or DER' });
  return pems;
}

/**
 * Checks each certificate of an import: parses, is a CA (or `leaf` is set, which makes the
 * non-CA certificates pins), is within its validity, is not already trusted nor repeated in the file.
 */
export function checkImport(
  pems: string[],
  existing: TrustEntry[],
  options: { leaf?: boolean; now?: number } = {},
): { accepted: TrustEntry[]; refused: RefusedCertificate[] } {
  const now = options.now ?? Date.now();
  const known = new Set(existing.map((e) => e.fingerprint));
  const accepted: TrustEntry[] = [];
  const refused: RefusedCertificate[] = [];
  pems.forEach((pem, index) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch (err) {
      refused.push({ index, code: 'IMPB_ERR_CERT_INVALID', reason: `certificate #${index + 1} cannot be parsed: ${(err as Error).message}` });
      return;
    }
    const info = { index, subject: describeCertificate(cert, now).subject, fingerprint: fingerprintOf(cert) };
    if (!cert.ca && !options.leaf) {
      refused.push({
        ...info,
        code: 'IMPB_ERR_CERT_NOT_CA',
        reason: `${info.subject} is not a CA (basicConstraints CA:true); pin it explicitly as a leaf with --leaf`,
      });
    } else if (notAfterMs(cert) <= now) {
      refused.push({ ...info, code: 'IMPB_ERR_CERT_EXPIRED', reason: `${info.subject} expired on ${new Date(notAfterMs(cert)).toISOString()}` });
    } else if (notBeforeMs(cert) > now) {
      refused.push({ ...info, code: 'IMPB_ERR_CERT_EXPIRED', reason: `${info.subject} is not valid before ${new Date(notBeforeMs(cert)).toISOString()}` });
    } else if (known.has(info.fingerprint)) {
      refused.push({ ...info, code: 'IMPB_ERR_CERT_DUPLICATE', reason: `${info.subject} (${info.fingerprint}) is already trusted` });
    } else {
      known.add(info.fingerprint);
      // --leaf widens what is accepted, it does not demote CAs: a CA stays an anchor so its clients still chain to it.
      accepted.push({ kind: options.leaf && !cert.ca ? 'pin' : 'anchor', pem: cert.toString(), cert, fingerprint: info.fingerprint, file: '' });
    }
  });
  return { accepted, refused };
}

/** What importing `pems` as the whole trust bundle would add, remove and keep (preview only). */
export function diffTrust(pems: string[], existing: TrustEntry[], options: { leaf?: boolean; now?: number } = {}): TrustDiff {
  const incoming = new Set<string>();
  const keep: CertificateInfo[] = [];
  const unique: string[] = [];
  for (const pem of pems) {
    try {
      const cert = new X509Certificate(pem);
      const fp = fingerprintOf(cert);
      if (incoming.has(fp)) continue;
      incoming.add(fp);
      const current = existing.find((e) => e.fingerprint === fp);
      if (current) keep.push(describeCertificate(current.cert));
      else unique.push(pem);
    } catch {
      unique.push(pem);
    }
  }
  const { accepted, refused } = checkImport(unique, existing, options);
  return {
    add: accepted.map((e) => describeCertificate(e.cert)),
    remove: existing.filter((e) => !incoming.has(e.fingerprint)).map((e) => describeCertificate(e.cert)),
    keep,
    refused,
  };
}
