import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ClientConfig } from 'pg';
import { createPgConsoleSessions, shareAdminToken } from './admin/shared-admin-state';
import { pidOf, type DeploymentAdminDeps, type InstanceView } from './admin/routes/instance-routes';
import { createCertificateReplication, type CertificateReplication } from './certs/certificate-replication';
import { parseStateKey } from './certs/snapshot-codec';
import type { Config } from './config';
import type { AuthThrottle } from './inbound/auth/auth-throttle';
import { createSharedAuthFailures } from './inbound/auth/shared-auth-failures';
import type { Logger } from './observability';
import type { ConfigCachedStore, Store } from './store';
import { createInstanceRegistry, type InstanceRegistry } from './store/postgres/instances';
import { createLeaderLease, type LeaderLease } from './store/postgres/leader-lease';
import { migratePostgres } from './store/postgres/migrate';
import { createPgPool, type PgPool } from './store/postgres/pool';
import { createWakeupListener, notifyWakeup } from './store/postgres/wakeups';
import { VERSION } from './version';

export interface DeploymentDeps {
  config: Config;
  logger: Logger;
  store: ConfigCachedStore<Store>;
  /** The PostgreSQL store's pool; one of its own from `store.postgres` unless given. */
  pool?: PgPool;
  /** The direct connection for LISTEN (not through PgBouncer); `store.postgres.url` unless given. */
  listenConfig?: ClientConfig;
  /** NOTIFY channels start with this; `impb_<schema>` unless given (channels are database-wide). */
  channelPrefix?: string;
  heartbeatEveryMs?: number;
  leaseTtlMs?: number;
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The state several instances on one PostgreSQL share, and the election of the one that runs the scheduled work. */
export interface Deployment {
  instanceId: string;
  isLeader(): boolean;
  /** Handed to wireCertificates. */
  certificates: CertificateReplication;
  /** Handed to wireAdmin (instances, console sessions, the console's failure counters). */
  admin: DeploymentAdminDeps;
  /** Once the inbound part exists: its auth-failure counters are shared too. */
  attach(parts: { inbound: { authThrottle: AuthThrottle } }): void;
  lease: LeaderLease;
  registry: InstanceRegistry;
  close(): Promise<void>;
}

const SCHEDULER_LEASE = 'scheduler';

/**
 * The composition of issue 14's shared state, called by main.ts for `store.kind: postgres`
 * only (SQLite stays one process): migrations, the instance heartbeat, the leader lease, the
 * generated admin token, console sessions, auth-failure counters, the config cache's
 * cross-instance invalidation, and the certificate replication.
 */
export async function wireDeployment(deps: DeploymentDeps): Promise<Deployment> {
  const { config, logger, store } = deps;
  const pg = config.store.postgres;
  const ownPool = !deps.pool;
  const pool = deps.pool ?? createPgPool({ url: pg.url ?? '', poolSize: pg.poolSize, statementTimeoutMs: pg.statementTimeoutMs, logger });
  const closers: Array<() => Promise<void> | void> = [];
  try {
    await migratePostgres(pool, { logger });
    const instanceId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const prefix = deps.channelPrefix ?? (await defaultChannelPrefix(pool));
    const listenConfig = deps.listenConfig ?? (pg.url ? { connectionString: pg.url } : undefined);
    await shareAdminToken({ pool, config, logger });

    const registry = createInstanceRegistry({ pool, id: instanceId, version: VERSION, logger, heartbeatEveryMs: deps.heartbeatEveryMs });
    await registry.start();
    closers.push(() => registry.stop().catch(() => undefined));
    const lease = createLeaderLease({ pool, name: SCHEDULER_LEASE, owner: instanceId, logger, ttlMs: deps.leaseTtlMs });
    lease.start();
    closers.push(() => lease.stop());

    const certificates = createCertificateReplication({
      pool,
      instanceId,
      logger,
      listenConfig,
      channel: `${prefix}_certs`,
      pollMs: deps.pollMs,
      encryptionKey: parseStateKey((deps.env ?? process.env).IMP_BRIDGE_STATE_ENCRYPTION_KEY),
    });

    // Templates and clusters: a write here tells the others at once; their 2 s cache is the fallback.
    const configChannel = `${prefix}_config`;
    store.onConfigWrite(
      () =>
        void notifyWakeup(pool, configChannel, instanceId).catch((err: Error) =>
          logger.warn('cannot tell the other instances of a template change; they see it within 2 s', {
            event: 'deployment.notify_failed',
            err: { message: err.message },
          }),
        ),
    );
    if (listenConfig) {
      const configListener = createWakeupListener({ clientConfig: listenConfig, channel: configChannel, logger, onWake: () => store.invalidateConfigCache() });
      configListener.start();
      closers.push(() => configListener.close());
    }

    const failures = createSharedAuthFailures({ pool, instanceId, logger, pollMs: deps.pollMs });
    closers.push(() => failures.close());

    const instances = async (): Promise<InstanceView[]> => {
      const [live, leader] = await Promise.all([
        registry.live(),
        pool.query<{ owner: string }>('SELECT owner FROM leader_leases WHERE name = $1 AND expires_at > clock_timestamp()', [SCHEDULER_LEASE]),
      ]);
      return live.map((i) => ({
        id: i.id,
        version: i.version,
        hostname: i.hostname,
        ...(pidOf(i.id) !== undefined ? { pid: pidOf(i.id) } : {}),
        startedAt: i.startedAt.toISOString(),
        lastHeartbeat: i.lastHeartbeat.toISOString(),
        leader: leader.rows[0]?.owner === i.id,
        self: i.id === instanceId,
      }));
    };

    return {
      instanceId,
      isLeader: () => lease.isLeader(),
      certificates,
      admin: { instances, sessions: createPgConsoleSessions(pool), shareThrottle: (throttle, scope) => failures.share(throttle, scope) },
      attach: (parts) => failures.share(parts.inbound.authThrottle, 'provisioning'),
      lease,
      registry,
      async close() {
        for (const close of closers.reverse()) await close();
        if (ownPool) await pool.end();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    if (ownPool) await pool.end().catch(() => undefined);
    throw err;
  }
}

async function defaultChannelPrefix(pool: PgPool): Promise<string> {
  const { rows } = await pool.query<{ schema: string }>('SELECT current_schema() AS schema');
  return `impb_${(rows[0]?.schema ?? 'public').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 50);
}
