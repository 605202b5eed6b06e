import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImpbError } from '../../errors';
import type { Store } from '../port';
import { createSqliteClusterRepo, createSqliteSettingsRepo, createSqliteTemplateRepo } from './config-repos';
import { createSqliteEventLog, type SqliteEventLog } from './event-log';
import { createSqliteJobQueue } from './job-queue';
import { migrate } from './migrations';
import { startWalCheckpointer } from './wal-checkpointer';
import { createWalSync } from './wal-sync';
import { createSqliteAuditTrail, createSqliteUnknownRequestRepo, createSqliteWebexCallLog } from './record-repos';
import { createSqliteCustomerRepo, createSqliteSubscriberRepo } from './subscriber-repos';

export const STORE_FILE_NAME = 'imp-bridge.sqlite';

export interface SqliteStoreOptions {
  /** Directory that holds the database file (the data dir). */
  dataDir: string;
  readonly?: boolean;
}

export interface SqliteStore extends Store {
  /** The underlying handle, for the pipeline's own prepared statements and for tests. */
  readonly db: Database.Database;
  readonly file: string;
  readonly events: SqliteEventLog;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an accepted
 * event survives a power cut once its commit returns.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const file = path.join(options.dataDir, STORE_FILE_NAME);
  let db: Database.Database;
  try {
    if (!options.readonly) fs.mkdirSync(options.dataDir, { recursive: true });
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
    }
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) migrate(db);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', { message: `cannot open the store at ${file}: ${(err as Error).message}`, cause: err });
  }
  let open = true;
  const walSync = options.readonly ? undefined : createWalSync(db);
  const checkpointer = options.readonly ? undefined : startWalCheckpointer(db);
  return {
    db,
    file,
    events: createSqliteEventLog(db, walSync),
    jobs: createSqliteJobQueue(db),
    subscribers: createSqliteSubscriberRepo(db),
    customers: createSqliteCustomerRepo(db),
    templates: createSqliteTemplateRepo(db),
    clusters: createSqliteClusterRepo(db),
    audit: createSqliteAuditTrail(db),
    unknownRequests: createSqliteUnknownRequestRepo(db),
    webexCalls: createSqliteWebexCallLog(db),
    settings: createSqliteSettingsRepo(db),
    isOpen: () => open && db.open,
    async close() {
      if (!open) return;
      open = false;
      // Let a pending group commit (scheduled with setImmediate) run before closing.
      await new Promise((resolve) => setImmediate(resolve));
      // …and the answers of the last commits wait for their WAL flush.
      await walSync?.close();
      await checkpointer?.close();
      db.close();
    },
  };
}
