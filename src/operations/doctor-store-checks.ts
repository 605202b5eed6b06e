import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { DoctorCheck, DoctorDeps } from './doctor-types';

const MIB = 1024 * 1024;

interface SqliteFile {
  file: string;
}

// Runs in a worker on its own read-only connection: quick_check reads every page, and on a
// large store that would stall the event loop (and every AS request) for as long.
const QUICK_CHECK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  parentPort.postMessage({ result: String(db.pragma('quick_check', { simple: true })) });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message), code: err && err.code });
} finally {
  if (db) db.close();
}
`;

/** SQLite's own words for a damaged file: a finding about the store, not a failed check. */
const CORRUPTION = /^SQLITE_(CORRUPT|NOTADB)/;

export function quickCheck(file: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(QUICK_CHECK_WORKER, { eval: true, workerData: { file, module: require.resolve('better-sqlite3') } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`quick_check did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    worker.once('message', (m: { result?: string; error?: string; code?: string }) => {
      clearTimeout(timer);
      if (m.result !== undefined) resolve(m.result);
      else if (m.code && CORRUPTION.test(m.code)) resolve(`${m.code}: ${m.error}`);
      else reject(new Error(m.error));
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function checkStore(deps: DoctorDeps): Promise<DoctorCheck[]> {
  if (!deps.store.isOpen()) return [{ name: 'store', status: 'fail', message: 'the store is closed', fix: 'restart the proxy' }];
  const templates = await deps.store.templates.count();
  const file = (deps.store as unknown as Partial<SqliteFile>).file;
  if (typeof file !== 'string') return [{ name: 'store', status: 'ok', message: `store answers (${templates} template(s))` }];
  let result: string;
  try {
    result = await quickCheck(file, deps.storeCheckTimeoutMs);
  } catch (err) {
    return [
      {
        name: 'store',
        status: 'warn',
        message: `store answers (${templates} template(s)); integrity not checked: ${(err as Error).message}`,
        fix: 'run doctor again when the proxy is less busy',
        details: { file },
      },
    ];
  }
  if (result !== 'ok')
    return [
      {
        name: 'store',
        status: 'fail',
        message: `SQLite quick_check of ${file} reports: ${result.slice(0, 300)}`,
        fix: 'stop the proxy, copy the data dir aside, and restore the last backup of the store',
        details: { file, result },
      },
    ];
  const size = fileSize(file) + fileSize(`${file}-wal`);
  return [
    {
      name: 'store',
      status: 'ok',
      message: `store answers, quick_check ok (${templates} template(s), ${(size / MIB).toFixed(1)} MiB with WAL)`,
      details: { file, bytes: size },
    },
  ];
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export async function checkDisk(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const dir = deps.config.dataDir;
  const s = await fs.promises.statfs(dir);
  const free = s.bavail * s.bsize;
  const total = s.blocks * s.bsize;
  const pct = total ? (free / total) * 100 : 0;
  const details = { dataDir: dir, freeBytes: free, totalBytes: total, freePercent: Math.round(pct * 10) / 10 };
  const text = `${(free / MIB / 1024).toFixed(1)} GiB free of ${(total / MIB / 1024).toFixed(1)} GiB (${pct.toFixed(1)} %) on the data dir ${dir}`;
  const fix = 'free space on that file system or move dataDir (IMP_BRIDGE_DATA_DIR) to a larger one: a full disk stops accepting requests';
  if (free < 256 * MIB || pct < 2) return [{ name: 'disk', status: 'fail', message: text, fix, details }];
  if (free < 2048 * MIB || pct < 10) return [{ name: 'disk', status: 'warn', message: text, fix, details }];
  return [{ name: 'disk', status: 'ok', message: text, details }];
}
