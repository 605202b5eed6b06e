import type { JobState } from '../../domain';
import type { JobError } from '../port';
import { jobStateAudit } from '../shared/audit-entries';
import { insertAudit } from './audit-writer';
import type { PgExecutor } from './pg-db';

/** The audit entry of a job's state change, when the domain says it is audited (built as on SQLite, ../shared/audit-entries). */
export async function auditJob(
  q: PgExecutor,
  row: { id: string | number; kind: string; user_id: string },
  change: { from: JobState; to: JobState; at: number; actor: string; error?: JobError; trackingId?: string },
): Promise<void> {
  const entry = jobStateAudit(row, change);
  if (entry) await insertAudit(q, { ...entry, at: change.at });
}
