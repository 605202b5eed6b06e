import type Database from 'better-sqlite3';
import { toJson } from './json';

/** Synchronous audit insert, so a change and its audit entry commit in one transaction. */
export function auditWriter(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json, tracking_id, detail)
     VALUES (@at, @actor, @entityType, @entityId, @action, @before, @after, @trackingId, @detail)`,
  );
  return (entry: {
    at: string;
    actor: string;
    entityType: string;
    entityId: string;
    action: string;
    before?: unknown;
    after?: unknown;
    trackingId?: string;
    detail?: string;
  }) => insert.run({ ...entry, before: toJson(entry.before), after: toJson(entry.after), trackingId: entry.trackingId ?? null, detail: entry.detail ?? null });
}
