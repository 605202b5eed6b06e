import type { Logger } from '../../observability';
import type { PgPool } from '../../store/postgres/pool';
import type { AuthThrottle } from './auth-throttle';

export interface SharedAuthFailures {
  /** Shares `throttle`'s failures under `scope` (`provisioning`, `console`) with the other instances. */
  share(throttle: AuthThrottle, scope: string): void;
  /** Reads the others' failures now (the timer calls it). */
  poll(): Promise<number>;
  close(): void;
}

const WINDOW_MS = 60_000;

/**
 * The flow-through bucket is `source + NUL + template`, and PostgreSQL text refuses NUL
 * (`invalid byte sequence for encoding "UTF8": 0x00`): the column holds the bucket as a JSON
 * string, still readable in psql. A bare value (written before this encoding) is read as it is.
 */
const encodeBucket = (bucket: string) => JSON.stringify(bucket);
function decodeBucket(stored: string): string {
  if (!stored.startsWith('"')) return stored;
  try {
    return JSON.parse(stored) as string;
  } catch {
    return stored;
  }
}

/**
 * Several instances behind one load balancer: a guesser spread over them must meet one brake.
 * Each throttle stays in memory (the hot path asks no database); every failure decided here is
 * written to `auth_failures`, and every instance adds the others' failures of the last minute
 * to its own throttle, read once a second. Rows older than two windows are deleted.
 */
export function createSharedAuthFailures(deps: { pool: PgPool; instanceId: string; logger: Logger; pollMs?: number }): SharedAuthFailures {
  const { pool, instanceId, logger } = deps;
  const throttles = new Map<string, AuthThrottle>();
  let seen = new Set<string>();
  let polls = 0;
  const warn = (what: string) => (err: Error) =>
    logger.warn(`auth-failure counters: ${what}`, { event: 'inbound.auth.shared_failed', err: { message: err.message } });

  const poll = async () => {
    if (polls++ % 60 === 0) await pool.query(`DELETE FROM auth_failures WHERE failed_at < clock_timestamp() - interval '2 minutes'`);
    const { rows } = await pool.query<{ id: string; scope: string; bucket: string }>(
      `SELECT id, scope, bucket FROM auth_failures WHERE instance <> $1 AND failed_at > clock_timestamp() - make_interval(secs => $2::float8 / 1000)`,
      [instanceId, WINDOW_MS],
    );
    let added = 0;
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      throttles.get(row.scope)?.recordFailure(decodeBucket(row.bucket));
      added++;
    }
    // Only ids still in the window can come back: the set stays bounded.
    seen = new Set(rows.map((r) => r.id));
    return added;
  };
  const timer = setInterval(() => void poll().catch(warn('cannot read the other instances\u2019 failures')), deps.pollMs ?? 1_000);
  timer.unref();

  return {
    share(throttle, scope) {
      throttles.set(scope, throttle);
      throttle.onFailure?.((bucket) => {
        void pool
          .query('INSERT INTO auth_failures (scope, bucket, instance) VALUES ($1, $2, $3)', [scope, encodeBucket(bucket), instanceId])
          .catch(warn('cannot record a failure'));
      });
    },
    poll,
    close: () => clearInterval(timer),
  };
}
