import { isAuditedTransition, type JobState } from '../../domain';
import type { AuditEntry, CustomerRecord, JobError, SubscriberRecord } from '../port';
import { compact } from './rows';

/** An audit entry as both stores build it; each stamps `at` in its own column form when writing it. */
export type UnstampedAudit = Omit<AuditEntry, 'id' | 'at'>;

/** The audit entry of a job's state change, or undefined when the domain does not audit that move. */
export function jobStateAudit(
  row: { id: string | number; kind: string; user_id: string },
  change: { from: JobState; to: JobState; actor: string; error?: JobError; trackingId?: string },
): UnstampedAudit | undefined {
  const { from, to, error } = change;
  if (!isAuditedTransition(from, to)) return undefined;
  return {
    actor: change.actor,
    entityType: 'job',
    entityId: String(row.id),
    action: 'state',
    before: { state: from },
    after: compact({
      state: to,
      kind: row.kind,
      userId: row.user_id,
      code: error?.code ?? null,
      httpStatus: error?.httpStatus ?? null,
      webexErrorCode: error?.webexErrorCode ?? null,
      description: error?.description ?? null,
    }),
    trackingId: error?.trackingId ?? change.trackingId,
    detail: error?.message,
  };
}

/** The `after` of a subscriber's status audit entry. */
export function subscriberStatusAfter(record: Pick<SubscriberRecord, 'status' | 'lastErrorCode' | 'lastErrorDescription'>): Record<string, unknown> {
  return compact({ status: record.status, errorCode: record.lastErrorCode ?? null, description: record.lastErrorDescription ?? null });
}

/** The `after` of a customer's status audit entry. */
export function customerStatusAfter(record: Pick<CustomerRecord, 'status' | 'webexCustomerId' | 'lastError'>): Record<string, unknown> {
  return compact({ status: record.status, webexCustomerId: record.webexCustomerId ?? null, error: record.lastError ?? null });
}
