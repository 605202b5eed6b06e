import type { Logger } from '../../observability';
import type { PgPool } from './pool';

export interface LeaderLeaseOptions {
  pool: PgPool;
  /** What the lease is for: `scheduler` (expiry checks, self-signed renewal, polling sweeps). */
  name: string;
  /** This instance's id (the instance registry's). */
  owner: string;
  logger: Logger;
  /** How long a lease lasts without renewal: how long work stops after the leader dies. */
  ttlMs?: number;
  /** How often the leader renews (and the others try to take over); well under ttlMs. */
  renewEveryMs?: number;
  onChange?: (leader: boolean) => void;
}

export interface LeaderLease {
  /** True while this instance holds an unexpired lease, by its own clock, with a safety margin. */
  isLeader(): boolean;
  /** One acquire-or-renew round now (the timer calls it; tests may too). */
  tick(): Promise<boolean>;
  start(): void;
  /** Stops renewing and gives the lease up, so another instance takes over at once. */
  stop(): Promise<void>;
}

/**
 * A lease row: taken when absent or expired (by the server's clock), renewed by its holder
 * with its token, which changes on every take, so a leader that lost its lease cannot renew
 * the next one's. The holder counts its lease from before it asked, minus a margin, so it
 * stops believing it leads before anyone else can take over.
 */
const ACQUIRE = `
  INSERT INTO leader_leases AS l (name, owner, token, acquired_at, expires_at)
  VALUES ($1, $2, gen_random_uuid(), clock_timestamp(), clock_timestamp() + make_interval(secs => $3::float8 / 1000))
  ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, token = EXCLUDED.token, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
  WHERE l.expires_at < clock_timestamp()
  RETURNING token`;

const RENEW = `
  UPDATE leader_leases SET expires_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000)
  WHERE name = $1 AND token = $2
  RETURNING token`;

export function createLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const { pool, name, owner, logger } = options;
  const ttlMs = options.ttlMs ?? 15_000;
  const renewEveryMs = options.renewEveryMs ?? Math.max(100, Math.floor(ttlMs / 3));
  const marginMs = Math.min(1_000, ttlMs / 5);
  let token: string | undefined;
  let validUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let wasLeader = false;

  const report = () => {
    const leader = validUntil > Date.now();
    if (leader !== wasLeader) {
      wasLeader = leader;
      logger.info(leader ? 'this instance now runs the scheduled work' : 'this instance no longer runs the scheduled work', {
        event: leader ? 'leader.acquired' : 'leader.lost',
        lease: name,
        owner,
      });
      options.onChange?.(leader);
    }
    return leader;
  };

  const round = async (): Promise<boolean> => {
    const askedAt = Date.now();
    try {
      const { rows } = token
        ? await pool.query<{ token: string }>(RENEW, [name, token, ttlMs])
        : await pool.query<{ token: string }>(ACQUIRE, [name, owner, ttlMs]);
      if (rows[0]) {
        token = rows[0].token;
        validUntil = askedAt + ttlMs - marginMs;
      } else {
        token = undefined;
        validUntil = 0;
      }
    } catch (err) {
      // The database is away: keep the lease only as long as it surely lasts, then stop leading.
      logger.warn('leader lease round failed', { event: 'leader.round_failed', lease: name, err: { message: (err as Error).message } });
    }
    return report();
  };

  const lease: LeaderLease = {
    isLeader: () => validUntil > Date.now(),
    tick: () => (running ??= round().finally(() => (running = undefined))),
    start() {
      if (timer) return;
      void lease.tick();
      timer = setInterval(() => void lease.tick(), renewEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      const mine = token;
      token = undefined;
      validUntil = 0;
      report();
      if (mine) await pool.query('DELETE FROM leader_leases WHERE name = $1 AND token = $2', [name, mine]).catch(() => undefined);
    },
  };
  return lease;
}
