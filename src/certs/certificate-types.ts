import type { KeyType } from '../config/schema';
import type { CertificateInfo } from './certificate-info';
import type { ServerOrigin } from './server-generations';

/** Who changed certificates, for the audit trail and the change log lines. */
export type CertificateActor = 'cli' | 'admin-api' | 'system' | 'file-watch';

export interface TrustListItem extends CertificateInfo {
  kind: 'anchor' | 'pin';
  /** Clusters whose fingerprint rules name this pin, or whose rules or addresses match a client seen chaining to it. */
  usedBy: string[];
  crl?: CrlInfo;
  lastClientSeenAt?: string;
}

export interface CrlInfo {
  issuer: string;
  issuerFingerprint: string;
  thisUpdate: string;
  nextUpdate?: string;
  revokedCount: number;
}

export interface ServerCertificateView extends CertificateInfo {
  kind: 'self-signed' | 'ca-signed';
  /** `generated`: the proxy's own default, renewed automatically; `installed`: given to it, replaced by the operator. */
  origin: ServerOrigin;
  chain: CertificateInfo[];
  pending?: PendingKeyInfo;
  previous?: { fingerprint: string; subject: string; notAfter: string };
}

export interface PendingKeyInfo {
  commonName: string;
  subjectAltNames: string[];
  keyType: KeyType;
  createdAt: string;
}

export interface InstallResult {
  certificate: CertificateInfo;
  previousFingerprint: string;
  usedKey: 'pending' | 'current';
  warnings: string[];
}
