import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientIdentity } from '../../domain';

export interface PeerIdentity extends ClientIdentity {
  /** True when a client certificate was presented and verified against the trust anchors. */
  verified: boolean;
  /** Subject line for logs ("CN=as1.example.net, O=Acme"). */
  subject?: string;
}

function subjectLine(subject: Record<string, unknown> | undefined): string | undefined {
  if (!subject) return undefined;
  const parts = Object.entries(subject).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`);
  return parts.length ? parts.join(', ') : undefined;
}

// A connection's peer certificate is fixed once the handshake is done; reading it is costly
// (getPeerCertificate was ~5 % of the endpoint's CPU per kept-alive request), so once per socket.
const bySocket = new WeakMap<Socket, PeerIdentity>();

/** What the TLS layer proved about the client. Unverified certificates count as none. */
export function peerIdentityOf(socket: Socket): PeerIdentity {
  let identity = bySocket.get(socket);
  if (!identity) {
    // Shared by every request on the connection: frozen so none can change it for the next.
    identity = readPeerIdentity(socket);
    Object.freeze(identity.subjectAltNames);
    bySocket.set(socket, Object.freeze(identity));
  }
  return identity;
}

function readPeerIdentity(socket: Socket): PeerIdentity {
  const sourceAddress = socket.remoteAddress;
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function') return { verified: false, subjectAltNames: [], sourceAddress };
  const cert = tls.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return { verified: false, subjectAltNames: [], sourceAddress };
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address|URI|email):/, ''))
    .filter(Boolean);
  const cn = cert.subject?.CN;
  return {
    verified: tls.authorized === true,
    subjectCn: Array.isArray(cn) ? cn[0] : cn,
    subjectAltNames: sans,
    fingerprint256: cert.fingerprint256,
    subject: subjectLine(cert.subject),
    sourceAddress,
  };
}
