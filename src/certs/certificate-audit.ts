import type { Logger } from '../observability';
import type { Store } from '../store/port';
import type { CertificateActor } from './certificate-types';

export type CertificateAudit = (
  actor: CertificateActor,
  entityType: string,
  entityId: string,
  action: string,
  before?: unknown,
  after?: unknown,
  detail?: string,
) => Promise<void>;

/** The audit trail of certificate changes; a failing audit write is logged, never fails the change already made. */
export function createCertificateAudit(audit: Store['audit'], logger: Logger): CertificateAudit {
  return (actor, entityType, entityId, action, before, after, detail) =>
    audit.append({ actor, entityType, entityId, action, before, after, detail }).then(
      () => undefined,
      (err: unknown) => {
        logger.error('cannot write the audit trail', { event: 'audit.failed', err });
      },
    );
}

/** What the audit trail keeps of a certificate. */
export const brief = (info: { fingerprint: string; subject: string; notAfter?: string }) => ({
  fingerprint: info.fingerprint,
  subject: info.subject,
  notAfter: info.notAfter,
});
