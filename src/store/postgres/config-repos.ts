import type { Clock, Cluster, Template } from '../../domain';
import type { ClusterRepo, SettingsRepo, TemplateRepo } from '../port';
import type { PgDb } from './pg-db';
import { recordTime, type RecordTime } from './record-time';

type Row = { body_json: string; created_at: string; updated_at: string };

/** Templates and clusters: validated JSON documents keyed by name, as on SQLite. */
function createNamedDocumentRepo<T extends { name: string; createdAt?: RecordTime; updatedAt?: RecordTime }>(
  db: PgDb,
  table: 'templates' | 'clusters',
  clock: Clock,
) {
  const toDoc = (row: Row): T => ({ ...(JSON.parse(row.body_json) as T), createdAt: recordTime(row.created_at), updatedAt: recordTime(row.updated_at) });
  return {
    async get(name: string): Promise<T | undefined> {
      const { rows } = await db.query<Row>(`SELECT body_json, created_at, updated_at FROM ${table} WHERE name = $1`, [name]);
      return rows[0] ? toDoc(rows[0]) : undefined;
    },
    async list(): Promise<T[]> {
      const { rows } = await db.query<Row>(`SELECT body_json, created_at, updated_at FROM ${table} ORDER BY name`);
      return rows.map(toDoc);
    },
    async put(doc: T): Promise<void> {
      const { createdAt: _c, updatedAt: _u, ...body } = doc;
      await db.query(
        `INSERT INTO ${table} (name, body_json, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (name) DO UPDATE SET body_json = EXCLUDED.body_json, updated_at = EXCLUDED.updated_at`,
        [doc.name, JSON.stringify(body), clock.now()],
      );
    },
    async delete(name: string): Promise<boolean> {
      return ((await db.query(`DELETE FROM ${table} WHERE name = $1`, [name])).rowCount ?? 0) > 0;
    },
    async count(): Promise<number> {
      return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    },
  };
}

export function createPgTemplateRepo(db: PgDb, clock: Clock): TemplateRepo {
  return createNamedDocumentRepo<Template>(db, 'templates', clock);
}

export function createPgClusterRepo(db: PgDb, clock: Clock): ClusterRepo {
  return createNamedDocumentRepo<Cluster>(db, 'clusters', clock);
}

export function createPgSettingsRepo(db: PgDb, clock: Clock): SettingsRepo {
  return {
    async get(key) {
      return (await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key])).rows[0]?.value;
    },
    async set(key, value) {
      await db.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [key, value, clock.now()],
      );
    },
    async delete(key) {
      await db.query('DELETE FROM settings WHERE key = $1', [key]);
    },
  };
}
