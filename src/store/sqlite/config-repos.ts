import { systemClock, type Clock } from '../../domain/clock';
import type Database from 'better-sqlite3';
import type { Cluster, Template } from '../../domain';
import type { ClusterRepo, SettingsRepo, TemplateRepo } from '../port';
import { nowIso, recordTime } from './json';

/** Templates and clusters are stored as validated JSON documents keyed by name. */
function createNamedDocumentRepo<T extends { name: string; createdAt?: number; updatedAt?: number }>(
  db: Database.Database,
  table: 'templates' | 'clusters',
  clock: Clock,
) {
  const getStmt = db.prepare(`SELECT body_json, created_at, updated_at FROM ${table} WHERE name = ?`);
  const listStmt = db.prepare(`SELECT body_json, created_at, updated_at FROM ${table} ORDER BY name`);
  const upsertStmt = db.prepare(
    `INSERT INTO ${table} (name, body_json, created_at, updated_at) VALUES (@name, @body, @now, @now)
     ON CONFLICT(name) DO UPDATE SET body_json = excluded.body_json, updated_at = excluded.updated_at`,
  );
  const deleteStmt = db.prepare(`DELETE FROM ${table} WHERE name = ?`);
  const countStmt = db.prepare(`SELECT COUNT(*) AS n FROM ${table}`);
  type Row = { body_json: string; created_at: string; updated_at: string };
  const toDoc = (row: Row): T => ({ ...(JSON.parse(row.body_json) as T), createdAt: recordTime(row.created_at), updatedAt: recordTime(row.updated_at) });

  return {
    async get(name: string): Promise<T | undefined> {
      const row = getStmt.get(name) as Row | undefined;
      return row ? toDoc(row) : undefined;
    },
    async list(): Promise<T[]> {
      return (listStmt.all() as Row[]).map(toDoc);
    },
    async put(doc: T): Promise<void> {
      const { createdAt: _c, updatedAt: _u, ...body } = doc;
      upsertStmt.run({ name: doc.name, body: JSON.stringify(body), now: nowIso(clock) });
    },
    async delete(name: string): Promise<boolean> {
      return deleteStmt.run(name).changes > 0;
    },
    async count(): Promise<number> {
      return (countStmt.get() as { n: number }).n;
    },
  };
}

export function createSqliteTemplateRepo(db: Database.Database, clock: Clock = systemClock): TemplateRepo {
  return createNamedDocumentRepo<Template>(db, 'templates', clock);
}

export function createSqliteClusterRepo(db: Database.Database, clock: Clock = systemClock): ClusterRepo {
  return createNamedDocumentRepo<Cluster>(db, 'clusters', clock);
}

export function createSqliteSettingsRepo(db: Database.Database, clock: Clock = systemClock): SettingsRepo {
  const getStmt = db.prepare('SELECT value FROM settings WHERE key = ?');
  const setStmt = db.prepare(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const deleteStmt = db.prepare('DELETE FROM settings WHERE key = ?');
  return {
    async get(key) {
      return (getStmt.get(key) as { value: string } | undefined)?.value;
    },
    async set(key, value) {
      setStmt.run(key, value, nowIso(clock));
    },
    async delete(key) {
      deleteStmt.run(key);
    },
  };
}
