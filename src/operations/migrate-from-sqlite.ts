import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import { migratePostgres } from '../store/postgres/migrate';
import type { PgPool } from '../store/postgres/pool';
import { MIGRATIONS as SQLITE_MIGRATIONS } from '../store/sqlite/migrations';
import { copyTable, type CopyProgress, type TableCounts } from './sqlite-migration/copy-table';
import { migrateAdminToken, migrateCertificates, type StateResult } from './sqlite-migration/deployment-state';
import { TABLES } from './sqlite-migration/tables';

export type { CopyProgress, TableCounts } from './sqlite-migration/copy-table';
export type { StateResult } from './sqlite-migration/deployment-state';

export const MIGRATE_BATCH_DEFAULT = 1_000;
export const MIGRATE_BATCH_LIMIT = 10_000;

export interface MigrateFromSqliteOptions {
  /** The single instance's store, `<dataDir>/imp-bridge.sqlite`. */
  file: string;
  /** Where its certificates and admin token are; the file's folder unless given. */
  dataDir?: string;
  /** The target database (on the schema the instances will use). */
  pool: PgPool;
  logger: Logger;
  dryRun?: boolean;
  replaceCertificates?: boolean;
  batchSize?: number;
  /** IMP_BRIDGE_STATE_ENCRYPTION_KEY of the instances: the certificate snapshot is stored encrypted with it. */
  encryptionKey?: Buffer;
  onProgress?: (p: CopyProgress) => void;
  onTable?: (counts: TableCounts) => void;
}

export interface MigrationSummary {
  file: string;
  dataDir: string;
  dryRun: boolean;
  /** The SQLite file's schema version (`user_version`). */
  sqliteVersion: number;
  /** PostgreSQL migrations this run applied (none with --dry-run). */
  migrationsApplied: number[];
  tables: TableCounts[];
  certificates: StateResult;
  adminToken: StateResult;
  totals: { source: number; copied: number; present: number; differing: number };
}

const usage = (message: string) => new ImpbError('IMPB_ERR_VALIDATION', { message });

/** Opens the file read-only and checks that it is an imp-bridge SQLite store of this release's schema. */
export function openSqliteSource(file: string): { db: Database.Database; version: number } {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw usage(`<file>: no such file: ${file}`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const missing = TABLES.map((t) => t.name).filter((t) => !tables.has(t));
    const latest = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
    if (missing.length === TABLES.length || !tables.has('job_heads'))
      throw usage(`<file>: ${file} is not an imp-bridge SQLite store (no inbound_events, jobs, … tables); give <dataDir>/imp-bridge.sqlite`);
    if (version < latest || missing.length)
      throw usage(
        `<file>: ${file} is an imp-bridge store of an older release (schema ${version}, this release reads ${latest}): start this release once on it as a single instance (it migrates the file), stop it, then run this again`,
      );
    if (version > latest)
      throw usage(
        `<file>: ${file} was written by a newer imp-bridge (schema ${version}, this release reads ${latest}): run that release's migrate-from-sqlite`,
      );
    return { db, version };
  } catch (err) {
    db?.close();
    if (err instanceof ImpbError) throw err;
    throw usage(`<file>: ${file} is not an imp-bridge SQLite store (${(err as Error).message})`);
  }
}

async function existingTables(pool: PgPool, names: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ name: string; found: string | null }>('SELECT n AS name, to_regclass(n)::text AS found FROM unnest($1::text[]) AS n', [
    names,
  ]);
  return new Set(rows.filter((r) => r.found).map((r) => r.name));
}

/**
 * Copies a single-instance SQLite deployment into PostgreSQL: every table (ids kept, sequences
 * set past them, times as epoch ms, jobs without leases), then its certificates and generated
 * admin token as the deployment's. Idempotent: batches insert with ON CONFLICT DO NOTHING and
 * commit one by one, so a second run copies nothing and an interrupted one completes; a row of
 * another deployment under one of the file's ids stops it (IMPB_ERR_STORE_CONFLICT, exit 1).
 */
export async function migrateFromSqlite(options: MigrateFromSqliteOptions): Promise<MigrationSummary> {
  const file = path.resolve(options.file);
  const dataDir = path.resolve(options.dataDir ?? path.dirname(file));
  const dryRun = options.dryRun ?? false;
  const { db, version } = openSqliteSource(file);
  try {
    const migrationsApplied = dryRun ? [] : (await migratePostgres(options.pool, { logger: options.logger })).applied;
    const present = await existingTables(options.pool, [...TABLES.map((t) => t.name), 'certificate_state', 'deployment_secrets']);
    const tables: TableCounts[] = [];
    for (const spec of TABLES) {
      const counts = await copyTable({
        sqlite: db,
        pool: options.pool,
        spec,
        batchSize: options.batchSize ?? MIGRATE_BATCH_DEFAULT,
        dryRun,
        targetExists: present.has(spec.name),
        onProgress: options.onProgress,
      });
      tables.push(counts);
      options.onTable?.(counts);
    }
    const state = { pool: options.pool, dataDir, logger: options.logger, dryRun, encryptionKey: options.encryptionKey };
    const certificates = await migrateCertificates({ ...state, targetExists: present.has('certificate_state'), replace: options.replaceCertificates ?? false });
    const adminToken = await migrateAdminToken({ ...state, targetExists: present.has('deployment_secrets') });
    const sum = (k: 'source' | 'copied' | 'present' | 'differing') => tables.reduce((n, t) => n + t[k], 0);
    return {
      file,
      dataDir,
      dryRun,
      sqliteVersion: version,
      migrationsApplied,
      tables,
      certificates,
      adminToken,
      totals: { source: sum('source'), copied: sum('copied'), present: sum('present'), differing: sum('differing') },
    };
  } finally {
    db.close();
  }
}
