import type { AuditEntry } from '../port';
import type { PgExecutor } from './pg-db';
import { toJson } from './rows';

/** The port's entry before the database numbers it; `at` is epoch ms, as the BIGINT column holds it. */
export type AuditInsert = Omit<AuditEntry, 'id'>;

/** An audit row on the caller's executor, so a change and its audit entry commit together. */
export async function insertAudit(q: PgExecutor, entry: AuditInsert): Promise<number> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json, tracking_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      entry.at,
      entry.actor,
      entry.entityType,
      entry.entityId,
      entry.action,
      toJson(entry.before),
      toJson(entry.after),
      entry.trackingId ?? null,
      entry.detail ?? null,
    ],
  );
  return Number(rows[0].id);
}
