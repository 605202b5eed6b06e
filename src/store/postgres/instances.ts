import os from 'node:os';
import type { Logger } from '../../observability';
import type { PgPool } from './pool';

export interface InstanceRecord {
  id: string;
  version: string;
  hostname: string;
  startedAt: Date;
  lastHeartbeat: Date;
}

export interface InstanceRegistryOptions {
  pool: PgPool;
  id: string;
  version: string;
  logger: Logger;
  hostname?: string;
  heartbeatEveryMs?: number;
}

export interface InstanceRegistry {
  /** Registers this instance and starts heartbeating. */
  start(): Promise<void>;
  heartbeat(): Promise<void>;
  /** Instances whose last heartbeat is at most `withinMs` old (server clock). Default: three heartbeats. */
  live(withinMs?: number): Promise<InstanceRecord[]>;
  /** Stops heartbeating and removes this instance from the list. */
  stop(): Promise<void>;
}

/** The deployment's instances, for the admin API and CLI of any one of them. */
export function createInstanceRegistry(options: InstanceRegistryOptions): InstanceRegistry {
  const { pool, id, logger } = options;
  const every = options.heartbeatEveryMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;

  const beat = async () => {
    await pool.query(
      `INSERT INTO instances (id, version, hostname, started_at, last_heartbeat) VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET last_heartbeat = clock_timestamp(), version = EXCLUDED.version`,
      [id, options.version, options.hostname ?? os.hostname()],
    );
  };

  return {
    async start() {
      await beat();
      timer = setInterval(
        () =>
          void beat().catch((err: Error) => logger.warn('instance heartbeat failed', { event: 'instance.heartbeat_failed', err: { message: err.message } })),
        every,
      );
      timer.unref();
    },
    heartbeat: beat,
    async live(withinMs = every * 3) {
      const { rows } = await pool.query<{ id: string; version: string; hostname: string; started_at: Date; last_heartbeat: Date }>(
        `SELECT id, version, hostname, started_at, last_heartbeat FROM instances
         WHERE last_heartbeat > clock_timestamp() - make_interval(secs => $1::float8 / 1000) ORDER BY started_at, id`,
        [withinMs],
      );
      return rows.map((r) => ({ id: r.id, version: r.version, hostname: r.hostname, startedAt: r.started_at, lastHeartbeat: r.last_heartbeat }));
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await pool.query('DELETE FROM instances WHERE id = $1', [id]);
    },
  };
}
