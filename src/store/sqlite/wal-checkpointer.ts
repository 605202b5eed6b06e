import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * Checkpoints the WAL from a worker thread with its own connection. SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses 1,000 WAL pages, on the thread that commits:
 * here the event loop, which then copied the pages into the database and waited for two
 * fsyncs while every request waited (the product's p99 halved without it under the ingest
 * benchmark). A PASSIVE checkpoint never blocks writers or readers; the next commit after a
 * complete one restarts the WAL from its beginning, so it stays bounded as before.
 *
 * The automatic checkpoint is turned off only once the worker has opened the database, and
 * turned back on if the worker fails, so the WAL can never grow without bound unnoticed.
 */
export interface WalCheckpointer {
  close(): Promise<void>;
}

const WORKER_SOURCE = (sqlitePath: string) => `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(${JSON.stringify(sqlitePath)});
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// The checkpoint syncs the WAL before copying it and the database after: durable at NORMAL.
db.pragma('synchronous = NORMAL');
parentPort.postMessage('ready');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (err && err.code !== 'SQLITE_BUSY') throw err;
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startWalCheckpointer(
  db: Database.Database,
  options: { intervalMs?: number; onError?: (err: Error) => void } = {},
): WalCheckpointer | undefined {
  if (db.memory || db.readonly) return undefined;
  // No inherited execArgv: a `--require` preload of the main process (an APM agent, a test's fault injection) must not run again in here.
  const worker = new Worker(WORKER_SOURCE(require.resolve('better-sqlite3')), {
    eval: true,
    execArgv: [],
    workerData: { file: db.name, intervalMs: options.intervalMs ?? 500 },
  });
  // The worker must never keep the process alive on its own.
  worker.unref();
  const automatic = () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  };
  worker.once('message', () => {
    if (db.open) db.pragma('wal_autocheckpoint = 0');
  });
  worker.on('error', (err) => {
    automatic();
    options.onError?.(err);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async close() {
      automatic();
      // Held open until it has closed its connection, so the last close (ours) can remove the WAL.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
