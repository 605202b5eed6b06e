import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ImpbError } from '../errors';
import {
  coversName,
  describeCertificate,
  endsAtSystemRoot,
  fingerprintOf,
  isSelfSigned,
  issuedBy,
  notAfterMs,
  notBeforeMs,
  subjectAltNamesOf,
} from './certificate-info';
import { splitCertificates } from './pem';

/** The server key, certificate and chain, parsed. Immutable once built. */
export interface ServerMaterial {
  keyPem: string;
  certPem: string;
  chainPems: string[];
  cert: X509Certificate;
  chain: X509Certificate[];
  fingerprint: string;
}

function parseOne(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: `${what} cannot be parsed: ${(err as Error).message}`, cause: err });
  }
}

function certificatesIn(text: string | undefined, what: string): string[] {
  if (!text || !text.trim()) return [];
  let pems: string[];
  try {
    pems = splitCertificates(Buffer.from(text, 'latin1'));
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: `${what}: not a PEM or DER certificate`, cause: err });
  }
  if (pems.length === 0) throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: `${what}: no certificate found` });
  return pems;
}

/**
 * Builds material from a certificate file (which may already carry the chain, as ACME
 * clients' fullchain.pem does) and an optional chain file. The chain is put in issuing order
 * from the leaf; a certificate that does not link is refused.
 */
export function assembleServerMaterial(keyPem: string, certText: string, chainText?: string): ServerMaterial {
  const [leafPem, ...extra] = certificatesIn(certText, 'certificate');
  const cert = parseOne(leafPem, 'certificate');
  const fingerprint = fingerprintOf(cert);
  const pool = new Map<string, { pem: string; cert: X509Certificate }>();
  for (const pem of [...extra, ...certificatesIn(chainText, 'chain')]) {
    const c = parseOne(pem, 'chain certificate');
    if (fingerprintOf(c) !== fingerprint) pool.set(fingerprintOf(c), { pem: c.toString(), cert: c });
  }
  const chain: X509Certificate[] = [];
  const chainPems: string[] = [];
  let current = cert;
  while (pool.size) {
    const next = [...pool.entries()].find(([, c]) => issuedBy(current, c.cert));
    if (!next) break;
    pool.delete(next[0]);
    chain.push(next[1].cert);
    chainPems.push(next[1].pem);
    if (isSelfSigned(next[1].cert)) break;
    current = next[1].cert;
  }
  if (pool.size) {
    const stray = [...pool.values()].map((c) => describeCertificate(c.cert).subject).join('; ');
    throw new ImpbError('IMPB_ERR_CERT_CHAIN', {
      message: `the chain does not link up to the certificate's issuer: ${stray} ${chain.length ? `does not issue ${describeCertificate(current).subject}` : `did not issue the certificate (its issuer is ${describeCertificate(cert).issuer})`}`,
    });
  }
  return { keyPem, certPem: cert.toString(), chainPems, cert, chain, fingerprint };
}

export function keyMatches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

export function checkValidity(cert: X509Certificate, what: string, now = Date.now()): void {
  if (notBeforeMs(cert) > now) {
    throw new ImpbError('IMPB_ERR_CERT_EXPIRED', {
      message: `${what} (${describeCertificate(cert).subject}) is not valid before ${new Date(notBeforeMs(cert)).toISOString()}`,
    });
  }
  if (notAfterMs(cert) <= now) {
    throw new ImpbError('IMPB_ERR_CERT_EXPIRED', {
      message: `${what} (${describeCertificate(cert).subject}) expired on ${new Date(notAfterMs(cert)).toISOString()}`,
    });
  }
}

/** Warnings about how far the chain reaches (the AS must be able to build it to a root it trusts). */
export function chainWarnings(material: ServerMaterial): string[] {
  const last = material.chain.at(-1) ?? material.cert;
  if (isSelfSigned(material.cert)) return ['the certificate is self-signed: the AS must trust it explicitly'];
  if (endsAtSystemRoot(last)) return [];
  if (isSelfSigned(last))
    return [`the chain ends at the root ${describeCertificate(last).subject}, which is not in the system trust store: the AS must trust it explicitly`];
  return [
    `the chain ends at ${describeCertificate(last).subject}, whose issuer (${describeCertificate(last).issuer}) is not in the system trust store${material.chain.length ? '' : '; no chain file was given'}`,
  ];
}

/** True when `pattern` (a name of a certificate or CSR, maybe `*.example.net`) covers `host`, by the one-label wildcard rule. */
export function nameCovers(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === h) return true;
  return p.startsWith('*.') && h.endsWith(p.slice(1)) && !h.slice(0, -(p.length - 1)).includes('.') && h.length > p.length - 1;
}

/** Covered by OpenSSL's rules, or named literally (a wildcard asked for in a CSR is not a host OpenSSL checks). */
function covers(cert: X509Certificate, name: string): boolean {
  return coversName(cert, name) || subjectAltNamesOf(cert).some((n) => n.replace(/^(DNS|IP Address):/, '').toLowerCase() === name.toLowerCase());
}

/**
 * The host names a new certificate must cover: the configured public host name; else, for
 * the pending key, every name its CSR asked for; else the names of the current certificate —
 * all of them when a CA signed it, at least one when it is the self-signed default (which
 * also names localhost and loopback addresses).
 */
export function checkHostnames(cert: X509Certificate, publicHostname: string | undefined, against: { requested?: string[]; current?: X509Certificate }): void {
  const subject = describeCertificate(cert).subject;
  if (publicHostname) {
    if (!coversName(cert, publicHostname)) {
      throw new ImpbError('IMPB_ERR_CERT_HOSTNAME', {
        message: `${subject} does not cover the configured host name ${publicHostname} (provisioning.publicHostname); its names: ${subjectAltNamesOf(cert).join(', ') || 'none'}`,
      });
    }
    return;
  }
  if (against.requested?.length) {
    const missing = against.requested.filter((n) => !covers(cert, n));
    if (missing.length) {
      throw new ImpbError('IMPB_ERR_CERT_HOSTNAME', {
        message: `${subject} does not cover ${missing.join(', ')}, asked for in the CSR of the pending key; its names: ${subjectAltNamesOf(cert).join(', ') || 'none'}`,
      });
    }
    return;
  }
  const current = against.current;
  if (!current) return;
  const names = subjectAltNamesOf(current).map((n) => n.replace(/^(DNS|IP Address):/, ''));
  if (names.length === 0) return;
  const missing = names.filter((n) => !coversName(cert, n));
  const selfSigned = isSelfSigned(current);
  if ((selfSigned && missing.length === names.length) || (!selfSigned && missing.length)) {
    throw new ImpbError('IMPB_ERR_CERT_HOSTNAME', {
      message: `${subject} does not cover ${selfSigned ? 'any of' : ''} the current certificate's host names (${missing.join(', ')}); set provisioning.publicHostname to the name the AS uses`,
    });
  }
}
