import type { Config } from '../config/schema';
import type { ReadinessCheck } from '../lifecycle/readiness';
import type { Logger } from '../observability';
import { budgetShape, createBudgetedRateLimiter } from '../webex/pacing/call-budget';
import { createRateLimiter, type RateLimiter } from '../webex/pacing/rate-limiter';
import type { Store } from './port';
import { createPostgresStore, type PostgresStore } from './postgres/postgres-store';
import { createPgCallBudget } from './postgres/token-bucket';
import { createSqliteStore } from './sqlite/sqlite-store';

export interface OpenedStore {
  store: Store;
  kind: Config['store']['kind'];
  /** The PostgreSQL store, for the parts that share its database (pool, schema); absent on SQLite. */
  postgres?: PostgresStore;
  /** /readyz: the store is open and, on PostgreSQL, answers a cheap cached `SELECT 1` (recovers by itself). */
  readiness: ReadinessCheck;
  /** The Webex call pacer: in-process on SQLite; on PostgreSQL one token bucket shared by every instance. */
  createPacer(ratePerSecond: number): Promise<RateLimiter>;
}

/** The one place that turns `store.kind` into a store (server, CLI fallback). */
export async function openStore(config: Pick<Config, 'store' | 'dataDir'>, deps: { logger: Logger; readonly?: boolean }): Promise<OpenedStore> {
  const { logger } = deps;
  if (config.store.kind === 'postgres') {
    const pg = config.store.postgres;
    const store = await createPostgresStore({ url: pg.url, poolSize: pg.poolSize, statementTimeoutMs: pg.statementTimeoutMs, logger });
    return {
      store,
      kind: 'postgres',
      postgres: store,
      readiness: { name: 'store', check: () => (store.isOpen() ? store.health.check() : 'store closed') },
      async createPacer(ratePerSecond) {
        const { refillPerSecond, capacity, batch } = budgetShape(ratePerSecond);
        const budget = await createPgCallBudget({ pool: store.pool, ratePerSecond: refillPerSecond, capacity });
        return createBudgetedRateLimiter(budget, {
          batchSize: batch,
          onError: (err) =>
            logger.warn('the shared Webex call budget is unreachable; calls wait', {
              event: 'webex.budget.unreachable',
              err: { message: (err as Error).message },
            }),
        });
      },
    };
  }
  const store = createSqliteStore({ dataDir: config.dataDir, readonly: deps.readonly });
  return {
    store,
    kind: 'sqlite',
    readiness: { name: 'store', check: () => (store.isOpen() ? true : 'store closed') },
    createPacer: async (ratePerSecond) => createRateLimiter({ maxPerSecond: ratePerSecond }),
  };
}
