import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { ImpbError } from '../../errors';

/**
 * Group commit with the flush off the event loop. Under synchronous=FULL SQLite fsyncs the
 * WAL inside COMMIT, and better-sqlite3 runs COMMIT on the JavaScript thread: every request
 * waited for the disk while none could be parsed. Here the event log commits with NORMAL (the
 * frames reach the WAL file, no fsync) and then asks for an fdatasync of the WAL file on
 * libuv's thread pool; a commit's callers are answered only once a flush that started after
 * that commit has returned. What is acknowledged is on disk exactly as under FULL ("the WAL
 * file is synchronized after each transaction commit", sqlite.org/pragma.html#pragma_synchronous);
 * NORMAL's own syncs (before a checkpoint, of the database after it, of the header when the
 * WAL is reused) still happen, so a checkpoint never copies frames that were not flushed.
 *
 * One flush at a time: commits made while one is running wait for the next, which covers all
 * of them. A failed flush fails its waiters and every later one (after a failed fsync the
 * kernel may have dropped the dirty pages, so nothing written since can be promised durable):
 * the AS is answered 5001 and retries, and the operator restarts on a healthy disk.
 */
export interface WalSync {
  /** Commits `fn`'s writes with synchronous=NORMAL (no fsync on this thread); returns its result. */
  commit<T>(fn: () => T): T;
  /** Resolves once everything committed before the call is on disk. */
  flushed(): Promise<void>;
  /**
   * Runs `fn` once no flush is running (at once when none is). A commit made during a flush
   * waits for the next one anyway, so batches wait here and commit together just before it.
   */
  whenIdle(fn: () => void): void;
  busy(): boolean;
  /** Waits for a flush in progress, then lets go of the WAL file. */
  close(): Promise<void>;
}

export interface WalSyncOptions {
  /** fs.fdatasync; replaceable only to cause a failing or slow disk in tests. */
  fdatasync?: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;
  /** Called before each commit (the store starts its checkpoint worker on the first). */
  beforeCommit?: () => void;
}

/** Undefined when the database is not in WAL mode (read-only, in memory): the caller keeps FULL. */
export function createWalSync(db: Database.Database, options: WalSyncOptions = {}): WalSync | undefined {
  if (db.memory || db.readonly || String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  const fdatasync = options.fdatasync ?? fs.fdatasync;
  const walFile = `${db.name}-wal`;
  const normal = db.prepare('PRAGMA synchronous = NORMAL');
  const full = db.prepare('PRAGMA synchronous = FULL');
  let fd: number | undefined;
  let failed: ImpbError | undefined;
  let running = 0;
  // One flush at a time (up to three in parallel were measured: no gain through the noise).
  const parallel = 1;
  let waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  let idle: Array<() => void> = [];

  const fail = (err: unknown) =>
    new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', {
      message: `cannot flush the store's write-ahead log ${walFile} to disk (${(err as Error).message}): accepted requests are answered 5001 until imp-bridge is restarted on a working disk`,
      cause: err,
    });

  const start = () => {
    running++;
    const covered = waiting;
    waiting = [];
    const finish = (err: NodeJS.ErrnoException | null) => {
      running--;
      if (err) failed ??= fail(err);
      for (const w of covered) {
        if (failed) w.reject(failed);
        else w.resolve();
      }
      const next = idle;
      idle = [];
      for (const fn of next) fn();
      if (waiting.length && running < parallel) start();
    };
    try {
      // Opened once the WAL exists (after the first commit); the same inode for the store's life.
      fd ??= fs.openSync(walFile, 'r');
    } catch (err) {
      finish(err as NodeJS.ErrnoException);
      return;
    }
    fdatasync(fd, finish);
  };

  return {
    commit(fn) {
      options.beforeCommit?.();
      if (db.inTransaction) return fn();
      normal.run();
      try {
        return fn();
      } finally {
        full.run();
      }
    },
    flushed() {
      if (failed) return Promise.reject(failed);
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (running < parallel) start();
      });
    },
    busy: () => running >= parallel,
    whenIdle(fn) {
      if (running >= parallel) idle.push(fn);
      else fn();
    },
    async close() {
      if (running) await new Promise<void>((resolve) => waiting.push({ resolve, reject: () => resolve() }));
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
