import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { normaliseFingerprint, type ClientIdentity } from '../domain/client-identity';
import { normaliseSerial, type ParsedCrl } from './crl';

export type ClientCertificateMode = 'required' | 'optional' | 'off';

export type ClientVerdict = { ok: true; identity?: ClientIdentity; pinned?: boolean } | { ok: false; reason: string; subject?: string; fingerprint?: string };

/**
 * Decides, right after the handshake and before any HTTP byte is read, whether a client may
 * go on. OpenSSL has already checked chain and validity (socket.authorized); this adds what
 * Node cannot do per CA: revocation against optional CRLs (Node's `crl` option would demand
 * a CRL for every CA, E5 in ../shared/protocol/tls-in-node.md), leaf pins, and — for sockets
 * opened before a trust change — whether their anchor is still trusted (E3).
 */
export interface ClientVerifier {
  check(socket: TLSSocket, mode: ClientCertificateMode): ClientVerdict;
}

export interface TrustSnapshot {
  /** Fingerprints (lower-case hex) of CA anchors. */
  anchors: ReadonlySet<string>;
  /** Pinned leaf fingerprints → validity window (ms). */
  pins: ReadonlyMap<string, { notBefore: number; notAfter: number }>;
  /** CRLs by the fingerprint of the CA that signed them. */
  crls: ReadonlyMap<string, ParsedCrl>;
}

function fp(cert: { fingerprint256?: string }): string {
  return normaliseFingerprint(cert.fingerprint256 ?? '');
}

function subjectOf(cert: DetailedPeerCertificate): string | undefined {
  const s = cert.subject as unknown as Record<string, string | string[]> | undefined;
  if (!s) return undefined;
  return Object.entries(s)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

export function identityOf(cert: DetailedPeerCertificate, sourceAddress?: string): ClientIdentity {
  const cn = (cert.subject as unknown as Record<string, string | string[]> | undefined)?.CN;
  return {
    subjectCn: Array.isArray(cn) ? cn[0] : cn,
    subjectAltNames: (cert.subjectaltname ?? '')
      .split(/,\s*/)
      .map((s) => s.replace(/^(DNS|IP Address|URI):/, '').trim())
      .filter(Boolean),
    fingerprint256: cert.fingerprint256,
    sourceAddress,
  };
}

export function createClientVerifier(deps: {
  trust: () => TrustSnapshot;
  /** Told which anchor a verified client chained to (for `trust list`'s "used by"). */
  onVerified?: (anchorFingerprint: string, identity: ClientIdentity) => void;
  now?: () => number;
}): ClientVerifier {
  const now = deps.now ?? Date.now;
  return {
    check(socket, mode) {
      if (mode === 'off') return { ok: true };
      const peer = socket.getPeerCertificate(true);
      if (!peer || Object.keys(peer).length === 0) {
        return mode === 'required' ? { ok: false, reason: 'NO_CLIENT_CERTIFICATE' } : { ok: true };
      }
      const trust = deps.trust();
      const leafFp = fp(peer);
      const refuse = (reason: string) => ({ ok: false as const, reason, subject: subjectOf(peer), fingerprint: leafFp });
      const pin = trust.pins.get(leafFp);
      if (pin) {
        const t = now();
        if (t < pin.notBefore) return refuse('CERT_NOT_YET_VALID');
        if (t > pin.notAfter) return refuse('CERT_HAS_EXPIRED');
        return { ok: true, pinned: true, identity: identityOf(peer, socket.remoteAddress) };
      }
      if (!socket.authorized) return refuse(String(socket.authorizationError ?? 'UNAUTHORIZED'));

      let anchor: string | undefined;
      let cert: DetailedPeerCertificate | undefined = peer;
      for (let depth = 0; cert && depth < 16; depth++) {
        const certFp = fp(cert);
        if (trust.anchors.has(certFp)) anchor ??= certFp;
        const issuer: DetailedPeerCertificate | undefined = cert.issuerCertificate;
        if (!issuer || fp(issuer) === certFp) break;
        const crl = trust.crls.get(fp(issuer));
        if (crl && crl.revokedSerials.has(normaliseSerial(cert.serialNumber))) {
          return refuse(cert === peer ? 'CERT_REVOKED' : 'CA_CERT_REVOKED');
        }
        cert = issuer;
      }
      if (!anchor) return refuse('TRUST_ANCHOR_REMOVED');
      const identity = identityOf(peer, socket.remoteAddress);
      deps.onVerified?.(anchor, identity);
      return { ok: true, identity };
    },
  };
}
