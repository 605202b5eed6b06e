import { ImpbError } from '../../errors';
import type { CallBudget, CallGrant } from '../../webex/pacing/call-budget';
import type { PgPool } from './pool';

export interface PgCallBudgetOptions {
  pool: PgPool;
  /** One row per budget; `webex` for the deployment's Webex account. */
  name?: string;
  /** `pipeline.ratePerSecond`: the account's limit, for the whole deployment. */
  ratePerSecond: number;
  /**
   * Most permits the bucket holds (the largest burst). Default: one batch, the least that
   * lets a full batch be taken; more would allow bursts above the rate.
   */
  capacity?: number;
  /** The floor the shared rate never drops below after 429s. */
  minPerSecond?: number;
  /** Seconds to climb from half back to full rate (as the in-process limiter). */
  recoverySeconds?: number;
}

/**
 * The refill is computed by the server, with the server's clock (`clock_timestamp()`, read once),
 * inside one UPDATE whose new values are a correlated sub-select on the row itself: under READ
 * COMMITTED, a take that waited for another's row lock re-evaluates on the row that other take
 * left, so two takes can never spend the same tokens. The refill of an interval uses the rate
 * at its start: the rate only climbs between halvings, so this errs on the side of fewer calls.
 */
const TAKE = `
  UPDATE call_budget b SET (tokens, updated_at, last_grant) = (
    SELECT g.avail - g.granted, g.at, g.granted FROM (
      SELECT a.at, a.avail, CASE WHEN b.paused_until > a.at THEN 0 ELSE LEAST($2::int, floor(a.avail)::int) END AS granted
      FROM (
        SELECT c.at, LEAST(b.capacity, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM c.at - b.updated_at)) * call_budget_rate(b, b.updated_at)) AS avail
        FROM (SELECT clock_timestamp() AS at) c
      ) a
    ) g
  )
  WHERE b.name = $1
  RETURNING b.last_grant AS granted, b.tokens, call_budget_rate(b, b.updated_at) AS rate, b.decreases,
    GREATEST(0, EXTRACT(EPOCH FROM COALESCE(b.paused_until, b.updated_at) - b.updated_at) * 1000)::float8 AS paused_ms`;

/** Halves the shared rate; the guard keeps one burst of 429s (seen by every instance) to one halving. */
const RATE_LIMITED = `
  UPDATE call_budget b SET floor_rate = GREATEST(b.min_rate, call_budget_rate(b, clock_timestamp()) / 2),
    last_decrease_at = clock_timestamp(), decreases = b.decreases + 1
  WHERE b.name = $1 AND (b.last_decrease_at IS NULL OR b.last_decrease_at < clock_timestamp() - interval '1 second')
  RETURNING b.floor_rate AS rate, b.decreases`;

/** Applied as a duration on the server's clock, so the instances' clocks need not agree. */
const PAUSE = `
  UPDATE call_budget SET paused_until = GREATEST(COALESCE(paused_until, '-infinity'), clock_timestamp() + make_interval(secs => $2::float8 / 1000))
  WHERE name = $1`;

/** Creates the budget row if absent (or updates its limits, keeping its state) and returns the budget. */
export async function createPgCallBudget(options: PgCallBudgetOptions): Promise<CallBudget> {
  const { pool } = options;
  const name = options.name ?? 'webex';
  const max = options.ratePerSecond;
  const capacity = Math.max(1, options.capacity ?? 5);
  const min = Math.min(max, options.minPerSecond ?? Math.max(0.2, max / 64));
  await pool.query(
    `INSERT INTO call_budget (name, capacity, max_rate, min_rate, recovery_seconds, floor_rate, tokens, updated_at)
     VALUES ($1, $2, $3, $4, $5, $3, $2, clock_timestamp())
     ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, max_rate = EXCLUDED.max_rate, min_rate = EXCLUDED.min_rate,
       recovery_seconds = EXCLUDED.recovery_seconds, floor_rate = LEAST(call_budget.floor_rate, EXCLUDED.max_rate), tokens = LEAST(call_budget.tokens, EXCLUDED.capacity)`,
    [name, capacity, max, min, options.recoverySeconds ?? 5],
  );
  let rate = max;
  let decreases = 0;

  return {
    async take(n: number): Promise<CallGrant> {
      const { rows } = await pool.query<{ granted: number; tokens: number; rate: number; decreases: number; paused_ms: number }>(TAKE, [
        name,
        Math.max(0, Math.floor(n)),
      ]);
      const row = rows[0];
      if (!row)
        throw new ImpbError('IMPB_ERR_STORE_UNAVAILABLE', {
          message: `the call budget row "${name}" is missing from PostgreSQL (was the schema migrated?)`,
          details: { budget: name },
        });
      rate = row.rate;
      decreases = row.decreases;
      return { granted: row.granted, tokensLeft: row.tokens, rate: row.rate, pausedForMs: row.paused_ms };
    },
    async pause(untilMs: number) {
      const forMs = untilMs - Date.now();
      if (forMs > 0) await pool.query(PAUSE, [name, forMs]);
    },
    async rateLimited() {
      const { rows } = await pool.query<{ rate: number; decreases: number }>(RATE_LIMITED, [name]);
      if (rows[0]) {
        rate = rows[0].rate;
        decreases = rows[0].decreases;
      }
    },
    currentRate: () => rate,
    decreases: () => decreases,
  };
}
