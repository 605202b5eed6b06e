import type { CertificateManager } from '../certs/certificate-manager';
import type { Config } from '../config/schema';
import type { Store } from '../store';
import type { WebexClient } from '../webex/webex-client';

export type DoctorCertificates = Pick<CertificateManager, 'show' | 'trustList' | 'serverCertificate'>;

export interface DoctorWebex {
  simulated: boolean;
  baseUrl?: string;
  client: Pick<WebexClient, 'people'>;
  /** Where the credentials come from, e.g. "webex.token (IMP_BRIDGE_WEBEX_TOKEN)". */
  tokenSource?: string;
}

export type DoctorStatus = 'ok' | 'warn' | 'fail';

/** One line of `imp-bridge doctor`: what was looked at, what is wrong, what to do. */
export interface DoctorCheck {
  name: string;
  status: DoctorStatus;
  message: string;
  /** What the operator should do; absent when the check is ok. */
  fix?: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** The worst status of all checks. */
  status: DoctorStatus;
  generatedAt: string;
  version: string;
  counts: Record<DoctorStatus, number>;
  checks: DoctorCheck[];
}

export interface DoctorDeps {
  config: Config;
  store: Store;
  version: string;
  /** https://<public host>:<bound port> once the provisioning listener is up. */
  provisioningBaseUrl: () => string | undefined;
  certs?: DoctorCertificates;
  webex?: DoctorWebex;
  now?: () => number;
  /** Longest wait for the Webex call (default 10 s): a hanging Webex is a finding, not a hang. */
  webexTimeoutMs?: number;
  /** Longest wait for SQLite's quick_check (default 60 s). */
  storeCheckTimeoutMs?: number;
}

export interface DoctorRequestFacts {
  /** Local address the admin request arrived on (the admin listener answering it is up). */
  adminAddress?: { address?: string; port?: number };
}
