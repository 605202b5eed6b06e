/** The admin API's answers, as far as the console reads them. */
export interface Subscriber {
  userId: string;
  template: string;
  enterpriseId: string;
  email?: string;
  package?: string;
  status: string;
  lastTrackingId?: string;
  lastErrorCode?: string;
  lastErrorDescription?: string;
  lastStatusChange: string;
}

export interface Job {
  id: number;
  kind: string;
  template: string;
  userId: string;
  state: string;
  attempts: number;
  nextRunAt: number;
  createdAt: string;
  updatedAt: string;
  lastError?: { code: string; message: string; httpStatus?: number; webexErrorCode?: string; description?: string };
  trackingId?: string;
}

export interface TimelineEntry {
  at: string;
  source: 'event' | 'audit' | 'webex';
  what: string;
  trackingId?: string;
  httpStatus?: number;
  errorCode?: string;
  description?: string;
  actor?: string;
}

export interface SubscriberDetail {
  subscriber: Subscriber;
  waitingFor?: string;
  jobs: Job[];
  timeline: TimelineEntry[];
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  fingerprint: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCa: boolean;
  selfSigned: boolean;
}

export interface ServerCertificate extends CertificateInfo {
  kind: string;
  origin: string;
  chain: CertificateInfo[];
  pending?: { commonName: string; subjectAltNames: string[]; keyType: string; createdAt: string };
  previous?: { fingerprint: string; subject: string; notAfter: string };
}

export interface TrustAnchor extends CertificateInfo {
  kind: 'anchor' | 'pin';
  usedBy: string[];
  crl?: { issuer: string; thisUpdate: string; nextUpdate?: string; revokedCount: number };
  lastClientSeenAt?: string;
}
