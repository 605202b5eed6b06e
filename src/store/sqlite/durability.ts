import type Database from 'better-sqlite3';

/**
 * Durability levels per write. The connection runs synchronous=FULL (every commit fsyncs the
 * WAL): what an accepted event and operator changes need. The pipeline's own bookkeeping
 * (job states, subscriber statuses) commits with NORMAL: it survives kill -9 (the WAL is in
 * the OS cache) and the next FULL commit, an accepted event, flushes it too; after a power cut
 * the worst case is a transition replayed, which is safe because every Webex step looks up
 * before it writes. This keeps the drain rate bound by Webex, not by fsyncs.
 */
export function createRelaxedWriter(db: Database.Database) {
  const normal = db.prepare('PRAGMA synchronous = NORMAL');
  const full = db.prepare('PRAGMA synchronous = FULL');
  return <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      if (db.inTransaction) return fn(...args);
      normal.run();
      try {
        return fn(...args);
      } finally {
        full.run();
      }
    };
}
