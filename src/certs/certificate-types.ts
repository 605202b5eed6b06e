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
  /** The checks that passed before activation (what a dry run shows). */
  checks: InstallCheck[];
}

/** A dry run of an install: every check, nothing activated. */
export interface InstallCheckResult {
  ok: boolean;
  checks: InstallCheck[];
  usedKey?: 'pending' | 'current';
  certificate?: CertificateInfo;
}

/** One check of a certificate install, as the API, the CLI and the console show it. */
export interface InstallCheck {
  check: 'certificate' | 'key' | 'validity' | 'hostnames' | 'chain' | 'expiry';
  ok: boolean;
  detail: string;
  /** Passed, but the operator should read the detail (the install shows it as a warning). */
  warning?: boolean;
}
