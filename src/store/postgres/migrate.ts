import { ImpbError } from '../../errors';
import type { Logger } from '../../observability';
import { PG_MIGRATIONS, type PgMigration } from './migrations';
import type { PgClient, PgPool } from './pool';

export interface MigrateResult {
  /** Versions this call applied (empty when another instance had already done it). */
  applied: number[];
  /** The highest version recorded in the database. */
  current: number;
}

/**
 * Brings the schema on the pool's search_path up to date. Each migration runs in its own
 * transaction that first takes a transaction-level advisory lock: two instances starting
 * together queue on the lock, and the second finds the work done. A transaction-level lock is
 * released by COMMIT or ROLLBACK (or the connection's end), so a pooler in transaction mode
 * cannot leak it to another client, which a session-level `pg_advisory_lock` could.
 */
export async function migratePostgres(pool: PgPool, options: { logger: Logger; migrations?: readonly PgMigration[] }): Promise<MigrateResult> {
  const migrations = [...(options.migrations ?? PG_MIGRATIONS)].sort((a, b) => a.version - b.version);
  checkVersions(migrations);
  const applied: number[] = [];
  let current = 0;
  for (;;) {
    const step = await inLockedTransaction(pool, async (client) => {
      const done = await recordedVersions(client);
      current = done.size ? Math.max(...done) : 0;
      const next = migrations.find((m) => !done.has(m.version));
      if (!next) return undefined;
      await client.query(next.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [next.version, next.name]);
      return next;
    });
    if (!step) break;
    applied.push(step.version);
    current = Math.max(current, step.version);
    options.logger.info('PostgreSQL migration applied', { event: 'store.postgres.migrated', version: step.version, name: step.name });
  }
  const known = migrations.length ? migrations[migrations.length - 1].version : 0;
  if (current > known) {
    // A newer release migrated this database. Migrations are additive (expand first, contract a
    // release later), so this instance can run during a rolling upgrade; it says so.
    options.logger.warn('the PostgreSQL schema is newer than this release knows', {
      event: 'store.postgres.schema_newer',
      schemaVersion: current,
      knownVersion: known,
    });
  }
  return { applied, current };
}

async function inLockedTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // Keyed by schema: deployments (or test suites) in other schemas of the database do not wait.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('imp-bridge:migrate:' || current_schema()))");
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
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

async function recordedVersions(client: PgClient): Promise<Set<number>> {
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => r.version));
}

function checkVersions(migrations: readonly PgMigration[]): void {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version < 1 || seen.has(m.version))
      throw new ImpbError('IMPB_ERR_STARTUP', { message: `PostgreSQL migration versions must be distinct positive integers (${m.version} ${m.name})` });
    seen.add(m.version);
  }
}
