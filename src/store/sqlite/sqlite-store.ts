import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../domain';
import { ImpbError } from '../../errors';
import type { Repositories, Store } from '../port';
import { createSqliteClusterRepo, createSqliteSettingsRepo, createSqliteTemplateRepo } from './config-repos';
import { createSqliteEventLog, type SqliteEventLog } from './event-log';
import { createSqliteJobQueue } from './job-queue';
import { migrate } from './migrations';
import { restrictStoreFiles } from './file-modes';
import { startWalCheckpointer } from './wal-checkpointer';
import { createWalSync } from './wal-sync';
import { createSqliteAuditTrail, createSqliteUnknownRequestRepo, createSqliteWebexCallLog } from './record-repos';
import { createSqliteRetention } from './retention';
import { createSqliteShadowRecordRepo } from './shadow-records';
import { createSqliteCustomerRepo, createSqliteSubscriberRepo } from './subscriber-repos';
import { acquireUnitLock, gated, runUnit } from './unit-of-work';

export const STORE_FILE_NAME = 'imp-bridge.sqlite';

export interface SqliteStoreOptions {
  /** Directory that holds the database file (the data dir). */
  dataDir: string;
  readonly?: boolean;
  /** The one clock of the store (tests drive time with a manual one). */
  clock?: Clock;
}

export interface SqliteStore extends Store {
  /** The underlying handle, for the pipeline's own prepared statements and for tests. */
  readonly db: Database.Database;
  readonly file: string;
  readonly events: SqliteEventLog;
}

/** The store file, created 0600 in a 0700 data dir when new, in WAL mode and migrated (unless read-only). */
function openStoreFile(dataDir: string, file: string, readonly: boolean): Database.Database {
  try {
    if (!readonly) {
      if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    }
    const db = new Database(file, { readonly, fileMustExist: readonly });
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      // Statement journals (every jobs insert fires a trigger) spilled into temp files past 64 KiB.
      db.pragma('temp_store = MEMORY');
    }
    db.pragma('busy_timeout = 5000');
    if (!readonly) {
      migrate(db);
      restrictStoreFiles(file);
    }
    return db;
  } catch (err) {
    throw new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', { message: `cannot open the store at ${file}: ${(err as Error).message}`, cause: err });
  }
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so an accepted
 * event survives a power cut once its commit returns. The file and its -wal/-shm are 0600,
 * a data dir it creates 0700: it holds password hashes and personal data.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const file = path.join(options.dataDir, STORE_FILE_NAME);
  const clock = options.clock ?? systemClock;
  const db = openStoreFile(options.dataDir, file, options.readonly ?? false);
  const { lock, release } = acquireUnitLock(path.resolve(file));
  // The checkpoint worker starts with the first accepted request: a store that only reads or
  // claims (the CLI, a second process on the file) keeps SQLite's automatic checkpoint.
  let checkpointer: ReturnType<typeof startWalCheckpointer>;
  let checkpointing = false;
  const walSync = options.readonly
    ? undefined
    : createWalSync(db, {
        beforeCommit: () => {
          if (checkpointing) return;
          checkpointing = true;
          checkpointer = startWalCheckpointer(db);
        },
      });
  const events = createSqliteEventLog(db, clock, lock, walSync);
  // What a unit of work sees: the repositories themselves, joined to its open transaction.
  const repos: Repositories = {
    events,
    jobs: createSqliteJobQueue(db, clock),
    subscribers: createSqliteSubscriberRepo(db, clock),
    customers: createSqliteCustomerRepo(db, clock),
    templates: createSqliteTemplateRepo(db, clock),
    clusters: createSqliteClusterRepo(db, clock),
    audit: createSqliteAuditTrail(db, clock),
    unknownRequests: createSqliteUnknownRequestRepo(db, clock),
    webexCalls: createSqliteWebexCallLog(db, clock),
    settings: createSqliteSettingsRepo(db, clock),
    shadowRecords: createSqliteShadowRecordRepo(db),
    retention: createSqliteRetention(db),
  };
  let open = true;
  return {
    db,
    file,
    events: gated(events, lock),
    jobs: gated(repos.jobs, lock),
    subscribers: gated(repos.subscribers, lock),
    customers: gated(repos.customers, lock),
    templates: gated(repos.templates, lock),
    clusters: gated(repos.clusters, lock),
    audit: gated(repos.audit, lock),
    unknownRequests: gated(repos.unknownRequests, lock),
    webexCalls: gated(repos.webexCalls, lock),
    settings: gated(repos.settings, lock),
    shadowRecords: gated(repos.shadowRecords, lock),
    retention: gated(repos.retention, lock),
    transaction: (work, opts = {}) => runUnit(db, lock, () => work(repos), opts.relaxed ?? false),
    isOpen: () => open && db.open,
    async close() {
      if (!open) return;
      open = false;
      // Let a pending group commit (scheduled with setImmediate) and an open unit finish first.
      await new Promise((resolve) => setImmediate(resolve));
      await lock.whenFree(() => undefined);
      // …and the answers of the last commits wait for their WAL flush.
      await walSync?.close();
      await checkpointer?.close();
      db.close();
      release();
    },
  };
}
