import type Database from 'better-sqlite3';
import type { UnstampedAudit } from '../shared/audit-entries';
import { toJson } from './json';

/** The port's entry before the database numbers it; `at` is the ISO text the column keeps (json.ts `columnTime`). */
export type AuditRowInsert = UnstampedAudit & { at: string };

/** Synchronous audit insert, so a change and its audit entry commit in one transaction. */
export function auditWriter(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json, tracking_id, detail)
     VALUES (@at, @actor, @entityType, @entityId, @action, @before, @after, @trackingId, @detail)`,
  );
  return (entry: AuditRowInsert) =>
    insert.run({ ...entry, before: toJson(entry.before), after: toJson(entry.after), trackingId: entry.trackingId ?? null, detail: entry.detail ?? null });
}
