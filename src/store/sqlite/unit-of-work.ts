import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';

/**
 * better-sqlite3 runs every statement synchronously on one connection, so an async unit of
 * work (BEGIN … awaits … COMMIT) would swallow any statement another caller issues while it
 * is open. Units are therefore serialised through one lock per database file (shared by every
 * store instance of this process on that file), and a call made outside the unit waits until
 * it has committed. Calls made inside the unit (its async context) join it.
 */
export interface UnitLock {
  /** Runs `fn` once no unit is open (at once when none is, or when called from inside the open unit). */
  whenFree<T>(fn: () => T | Promise<T>): Promise<T>;
  /** True when called from inside the open unit. */
  inside(): boolean;
  /** Holds the lock for a unit of work. */
  hold<T>(fn: () => Promise<T>): Promise<T>;
  held(): boolean;
}

const locks = new Map<string, { lock: UnitLock; users: number }>();

export function acquireUnitLock(file: string): { lock: UnitLock; release: () => void } {
  let entry = locks.get(file);
  if (!entry) locks.set(file, (entry = { lock: createUnitLock(), users: 0 }));
  entry.users++;
  const held = entry;
  return {
    lock: held.lock,
    release: () => {
      if (--held.users === 0) locks.delete(file);
    },
  };
}

function createUnitLock(): UnitLock {
  const context = new AsyncLocalStorage<symbol>();
  let current: symbol | undefined;
  let tail: Promise<void> = Promise.resolve();
  const inside = () => current !== undefined && context.getStore() === current;
  return {
    inside,
    held: () => current !== undefined,
    async whenFree(fn) {
      while (current !== undefined && !inside()) await tail;
      return fn();
    },
    hold(fn) {
      const run = tail.then(async () => {
        const id = Symbol('unit');
        current = id;
        try {
          return await context.run(id, fn);
        } finally {
          current = undefined;
        }
      });
      tail = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}

/** Runs `work` between BEGIN IMMEDIATE and COMMIT (ROLLBACK when it throws), under the lock. */
export function runUnit<T>(db: Database.Database, lock: UnitLock, work: () => Promise<T>, relaxed: boolean): Promise<T> {
  if (lock.inside()) throw new Error('a unit of work cannot open another one: use the tx it was given');
  return lock.hold(async () => {
    if (relaxed) db.pragma('synchronous = NORMAL');
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    } finally {
      if (relaxed) db.pragma('synchronous = FULL');
    }
  });
}

/** Methods that answer synchronously and touch no table. */
const SYNC_METHODS = new Set<string | symbol>(['onCommitted', 'commitStats']);

/**
 * A copy of the repository whose methods wait for an open unit when called outside it. A plain
 * object (not a Proxy), so tests can still replace one method with a spy.
 */
export function gated<R extends object>(repo: R, lock: UnitLock): R {
  const out: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(repo)) {
    const value = (repo as Record<string, unknown>)[key];
    if (typeof value !== 'function' || SYNC_METHODS.has(key)) {
      out[key] = value;
      continue;
    }
    const method = value as (...a: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => (!lock.held() || lock.inside() ? method.apply(repo, args) : lock.whenFree(() => method.apply(repo, args)));
  }
  return out as R;
}
