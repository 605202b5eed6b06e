import type { QueryResult, QueryResultRow } from 'pg';
import { ImpbError, isImpbError } from '../../errors';
import { withTransaction, type PgClient, type PgPool } from './pool';

/** What a repository runs its statements on: the pool (each statement commits) or the open unit of work's connection. */
export interface PgExecutor {
  query<R extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export interface PgDb extends PgExecutor {
  /** Runs `fn` atomically: in a transaction of its own on the pool, or inside the unit of work it is part of. */
  atomic<T>(fn: (q: PgExecutor) => Promise<T>): Promise<T>;
}

/** SQLSTATE classes and driver messages that mean "PostgreSQL cannot be reached", not "the statement is wrong". */
const UNREACHABLE_CLASSES = ['08', '57', '53'];
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
const UNREACHABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /query read timeout/i,
  /Client has encountered a connection error/i,
  /Connection terminated unexpectedly/i,
  /cannot use a pool after calling end/i,
];

export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || (e.code.length === 5 && UNREACHABLE_CLASSES.includes(e.code.slice(0, 2))))) return true;
  return UNREACHABLE_MESSAGES.some((re) => re.test(e.message ?? ''));
}

/**
 * PostgreSQL unreachable (down, network, timeout, pool closed) → IMPB_ERR_STORE_UNAVAILABLE, the
 * retryable store error the provisioning endpoint answers as 5001. Other errors stay as they are.
 */
export function mapPgError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (isImpbError(err) || !isUnreachable(err)) return err;
  return new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', {
    message: `PostgreSQL is unreachable: ${err.message}`,
    details: { sqlState: (err as { code?: string }).code },
    cause: err,
  });
}

export function poolDb(pool: PgPool): PgDb {
  return {
    query: (sql, params) => pool.query(sql, params).catch((err: unknown) => Promise.reject(mapPgError(err))),
    atomic: (fn) => withTransaction(pool, (client) => fn(clientExecutor(client))).catch((err: unknown) => Promise.reject(mapPgError(err))),
  };
}

function clientExecutor(client: PgClient): PgExecutor {
  return { query: (sql, params) => client.query(sql, params).catch((err: unknown) => Promise.reject(mapPgError(err))) };
}

/** The repositories of an open unit of work: every statement on its connection; `atomic` is the unit itself. */
export function unitDb(client: PgClient): PgDb {
  const q = clientExecutor(client);
  return { query: q.query, atomic: (fn) => fn(q) };
}
