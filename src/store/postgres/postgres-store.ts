import { randomUUID } from 'node:crypto';
import type { ClientConfig } from 'pg';
import { systemClock, type Clock } from '../../domain';
import { ImpbError } from '../../errors';
import type { Logger } from '../../observability';
import type { Repositories, Store } from '../port';
import { acquireUnitLock, gated } from '../sqlite/unit-of-work';
import { createPgClusterRepo, createPgSettingsRepo, createPgTemplateRepo } from './config-repos';
import { createPgCustomerRepo } from './customer-repo';
import { createPgEventLog, type PgEventLog, type RemoteWakeups } from './event-log';
import { createStoreHealth, type StoreHealth } from './health';
import { createPgJobClaims } from './job-claims';
import { createPgJobReads } from './job-reads';
import { createPgJobTransitions } from './job-transitions';
import { migratePostgres } from './migrate';
import { mapPgError, poolDb, unitDb, type PgDb } from './pg-db';
import { createPgPool, type PgPool } from './pool';
import { createPgAuditTrail, createPgShadowRecordRepo, createPgUnknownRequestRepo, createPgWebexCallLog } from './record-repos';
import { createPgRetention } from './retention';
import { createPgSubscriberRepo } from './subscriber-repos';
import { createWakeupListener } from './wakeups';

export interface PostgresStoreOptions {
  /** `store.postgres.url`; or an open `pool` (its owner closes it). */
  url?: string;
  pool?: PgPool;
  /** The schema the store lives in (default: the connection's search_path, normally `public`). */
  schema?: string;
  clock?: Clock;
  logger: Logger;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long /readyz trusts the last `SELECT 1` (default 2 s). */
  healthTtlMs?: number;
}

export interface PostgresStore extends Store {
  /** For the parts that share this database (certificates, admin token, leader lease, instances: issue 14's shared state). */
  readonly pool: PgPool;
  readonly schema: string | undefined;
  readonly events: PgEventLog;
  /** A cheap cached `SELECT 1`: /readyz turns not-ready while PostgreSQL does not answer, and ready again by itself. */
  readonly health: StoreHealth;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the pool (from `url`), brings the schema up to date (under the migration lock) and returns the store. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  if (options.schema !== undefined && !SCHEMA.test(options.schema))
    throw new ImpbError('IMPB_ERR_STARTUP', { message: `PostgreSQL schema "${options.schema}": use lower-case letters, digits and "_" (at most 63)` });
  const owned = !options.pool;
  const pool =
    options.pool ??
    createPgPool({
      url: requiredUrl(options.url),
      poolSize: options.poolSize ?? 10,
      statementTimeoutMs: options.statementTimeoutMs ?? 15_000,
      logger: options.logger,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
  let schema = options.schema;
  try {
    await migratePostgres(pool, { logger: options.logger });
    // The schema the URL's search_path chose: it names the wake-up channel, and the shared parts need it.
    schema ??= (await pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s;
  } catch (err) {
    if (owned) await pool.end().catch(() => undefined);
    const mapped = mapPgError(err);
    throw mapped instanceof ImpbError
      ? mapped
      : new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', { message: `cannot migrate the PostgreSQL store: ${(err as Error).message}`, cause: err });
  }
  return attachPostgresStore({ ...options, pool, schema }, owned);
}

function requiredUrl(url: string | undefined): string {
  if (!url) throw new ImpbError('IMPB_ERR_STARTUP', { message: 'the PostgreSQL store needs store.postgres.url (IMP_BRIDGE_DATABASE_URL)' });
  return url;
}

/**
 * A store on an already migrated schema (another instance's, in effect: tests open several on
 * one database). Units of work are serialised per store, as the port says, and a call made
 * outside an open unit waits for it, so readers never see half of one.
 */
export function attachPostgresStore(options: PostgresStoreOptions & { pool: PgPool }, ownsPool = false): PostgresStore {
  const { pool, logger } = options;
  const clock = options.clock ?? systemClock;
  const channel = `impb_jobs_${(options.schema ?? 'public').replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
  const repositories = (db: PgDb, events: PgEventLog): Repositories => ({
    events,
    jobs: { ...createPgJobReads(db), ...createPgJobClaims(db), ...createPgJobTransitions(db, clock) },
    subscribers: createPgSubscriberRepo(db, clock),
    customers: createPgCustomerRepo(db, clock),
    templates: createPgTemplateRepo(db, clock),
    clusters: createPgClusterRepo(db, clock),
    audit: createPgAuditTrail(db, clock),
    unknownRequests: createPgUnknownRequestRepo(db, clock),
    webexCalls: createPgWebexCallLog(db, clock),
    settings: createPgSettingsRepo(db, clock),
    shadowRecords: createPgShadowRecordRepo(db),
    retention: createPgRetention(db, () => open),
  });
  const db = poolDb(pool);
  const events = createPgEventLog(db, clock, channel, remoteWakeups(pool, channel, logger));
  const repos = repositories(db, events);
  const { lock, release } = acquireUnitLock(`pg:${randomUUID()}`);
  const health = createStoreHealth(pool, options.healthTtlMs ?? 2_000);
  let open = true;
  const gatedRepos = Object.fromEntries(Object.entries(repos).map(([k, r]) => [k, gated(r as object, lock)])) as unknown as Repositories;

  const runUnit = async <T>(work: (tx: Repositories) => Promise<T>): Promise<T> => {
    const client = await pool.connect().catch((err: unknown) => Promise.reject(mapPgError(err)));
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(repositories(unitDb(client), events));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
      throw mapPgError(err);
    } finally {
      client.release(broken);
    }
  };
  /*
   * Relaxed units (the pipeline's job outcomes: one job's transition under its lease, and its
   * subscriber record) run side by side, each on its own connection: PostgreSQL isolates them,
   * as it already does between instances, and each writer locks the lane before the job, so
   * they cannot deadlock. Serialised, they capped one instance at one outcome per round-trip
   * chain (~20 ms on a loaded machine: about 60 Webex calls/s whatever the budget allowed;
   * docs/benchmarks.md, drain-instances). Other units keep the port's gate: readers outside wait.
   */
  const transaction: Store['transaction'] = (work, options) => {
    if (lock.inside()) throw new Error('a unit of work cannot open another one: use the tx it was given');
    return options?.relaxed ? runUnit(work) : lock.hold(() => runUnit(work));
  };

  return {
    ...gatedRepos,
    events: gatedRepos.events as PgEventLog,
    pool,
    schema: options.schema,
    health,
    transaction,
    isOpen: () => open,
    async close() {
      if (!open) return;
      open = false;
      await new Promise((resolve) => setImmediate(resolve));
      await lock.whenFree(() => undefined);
      await events.closeWakeups();
      release();
      if (ownsPool) await pool.end().catch(() => undefined);
    },
  };
}

/** The wake-up listener's own connection, with the pool's settings (LISTEN needs a direct connection, never a pooler's). */
function remoteWakeups(pool: PgPool, channel: string, logger: Logger): RemoteWakeups {
  const o = pool.options;
  const clientConfig: ClientConfig = {
    connectionString: o.connectionString,
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    ...(o.options ? { options: o.options } : {}),
    application_name: o.application_name,
  };
  return (wake) => {
    const listener = createWakeupListener({ clientConfig, channel, logger, onWake: () => wake() });
    listener.start();
    return listener;
  };
}
