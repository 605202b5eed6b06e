import { isAuditedTransition, type JobState } from '../../domain';
import type { JobError } from '../port';
import { insertAudit } from './audit-writer';
import type { PgExecutor } from './pg-db';
import { compact } from './rows';

/** The audit entry of a job's state change, when the domain says it is audited (same shape as on SQLite). */
export async function auditJob(
  q: PgExecutor,
  row: { id: string | number; kind: string; user_id: string },
  change: { from: JobState; to: JobState; at: number; actor: string; error?: JobError; trackingId?: string },
): Promise<void> {
  const { from, to, error } = change;
  if (!isAuditedTransition(from, to)) return;
  await insertAudit(q, {
    at: change.at,
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
  });
}
