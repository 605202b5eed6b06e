import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { Logger } from '../../observability';
import { registerSecret } from '../../observability';
import { VERSION } from '../../version';

export interface PgPoolOptions {
  /** `store.postgres.url`. */
  url: string;
  /** `store.postgres.poolSize`: connections this instance may hold. */
  poolSize: number;
  /** `store.postgres.statementTimeoutMs`: 0 leaves the server's default. */
  statementTimeoutMs: number;
  logger: Logger;
  /** Shown in `pg_stat_activity`; default `imp-bridge/<version>`. */
  applicationName?: string;
  /**
   * libpq `options` (e.g. `-c search_path=impb_test_x`), sent at connection start so it holds on
   * every connection of the pool. Tests give each suite its own schema this way.
   */
  options?: string;
  /** How long a caller waits for a free connection before an error. */
  connectionTimeoutMs?: number;
}

export type PgPool = Pool;
export type PgClient = PoolClient;

/**
 * The one place that opens PostgreSQL connections. The statement timeout is enforced twice: by
 * the server (`statement_timeout`, cancels the statement) and by the client (`query_timeout`, a
 * little later), because a pooler may drop the startup parameter, and a dead network answers
 * nothing at all.
 */
export function createPgPool(options: PgPoolOptions): PgPool {
  registerUrlSecrets(options.url);
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.poolSize,
    application_name: options.applicationName ?? `imp-bridge/${VERSION}`,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...(options.options ? { options: options.options } : {}),
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 5_000 } : {}),
  };
  const pool = new Pool(config);
  // An idle client whose connection drops (server restart, pg_terminate_backend, network) emits
  // 'error' on the pool; unhandled, that event would kill the process. The pool discards that
  // client and opens a new one on the next checkout.
  pool.on('error', (err) => {
    options.logger.warn('PostgreSQL connection lost while idle; it will be replaced', {
      event: 'store.postgres.idle_error',
      err: { message: err.message, code: (err as { code?: string }).code },
    });
  });
  // A client checked out at that moment (a unit of work between statements, a LISTEN connection)
  // has no pool listener: pg emits 'error' on the client itself, and unhandled it would kill the
  // process too. Its pending or next statement fails instead, and release(err) discards it.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      options.logger.debug('PostgreSQL connection lost while in use; its statement fails and it is replaced', {
        event: 'store.postgres.checked_out_error',
        err: { message: err.message, code: (err as { code?: string }).code },
      });
    });
  });
  return pool;
}

/** The password of a URL is registered so that it is masked wherever it might be logged. */
function registerUrlSecrets(url: string): void {
  try {
    const parsed = new URL(url);
    registerSecret(decodeURIComponent(parsed.password));
    registerSecret(parsed.searchParams.get('password') ?? undefined);
  } catch {
    // pg reports the malformed URL itself, and the log redaction masks URL passwords by shape.
  }
}

/** Runs `fn` in one transaction on one connection; rolls back on any error. */
export async function withTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection whose ROLLBACK fails is broken: release(err) discards it instead of pooling it.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.release(broken);
  }
}
