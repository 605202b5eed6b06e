import type { ClientConfig } from 'pg';
import type { Logger } from '../observability';
import type { PgPool } from '../store/postgres/pool';
import { withTransaction } from '../store/postgres/pool';
import { createWakeupListener, type WakeupListener } from '../store/postgres/wakeups';
import type { CertPaths } from './cert-paths';
import type { CertificateManager } from './certificate-manager';
import { materialiseSnapshot, readSnapshot, snapshotDigest } from './certificate-snapshot';
import type { CertificateMaterialStore } from './material-store';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';
import { CERTIFICATE_ROW as ROW, prepareCertificates, safeRead, type Applied, type Upsert } from './replication-start';

export interface CertificateReplicationOptions {
  pool: PgPool;
  /** This instance (the instance registry's id), recorded with each version it publishes. */
  instanceId: string;
  logger: Logger;
  /** A direct connection for LISTEN (not through PgBouncer); without it, polling alone. */
  listenConfig?: ClientConfig;
  /** NOTIFY channel; instances of one deployment use the same. */
  channel?: string;
  pollMs?: number;
  /** Encrypts the snapshot (private keys) at rest. */
  encryptionKey?: Buffer;
}

/**
 * The deployment's certificates live in the database as one versioned snapshot (server set and
 * its previous, pending key, trust, CRLs); the database is the source of truth. Each instance
 * materialises it into its own data dir, so the certificate services stay synchronous, and
 * applies a newer version through the same reload path as the file watch (full TLS context
 * built, dry-run, `setSecureContext`; kept-alive connections stay). Every local change is
 * published as the next version; the others hear a NOTIFY, or find it by polling.
 */
export interface CertificateReplication {
  /** Before the certificate services start: adopt the deployment's certificates, or, first instance, make and publish them (one wins, under a lock). */
  prepare(paths: CertPaths, firstStart: () => Promise<unknown>): Promise<void>;
  /** The material store, publishing after every write. */
  wrapMaterial(material: CertificateMaterialStore): CertificateMaterialStore;
  /** Starts following the deployment's version; the manager's changes first catch up, then publish before they answer. */
  attach(manager: CertificateManager): void;
  /** Applies a newer version now, if there is one. */
  sync(): Promise<boolean>;
  publish(reason: string): Promise<void>;
  version(): number;
  close(): Promise<void>;
}

const MUTATIONS = ['trustAdd', 'trustRemove', 'crlAdd', 'createCsr', 'install', 'rollback', 'renewSelfSigned'] as const;
const WRITES = [
  'adoptServer',
  'repairServerLayout',
  'activateServer',
  'writePending',
  'clearPending',
  'writeTrust',
  'deleteTrust',
  'writeCrl',
  'deleteCrl',
] as const;

/** What the parts of one replication share. */
interface ReplicationState {
  options: CertificateReplicationOptions;
  applied: Applied;
  manager?: CertificateManager;
  paths?: CertPaths;
  applying: boolean;
  closed: boolean;
  upsert: Upsert;
}

const localSnapshot = (material: CertificateMaterialStore, trusted: ReadonlySet<string>) => readSnapshot(material, trusted, Date.now());

/** The write of a version (also `store migrate-from-sqlite`, which publishes a SQLite deployment's certificates). */
export function upsertInto(options: Pick<CertificateReplicationOptions, 'instanceId' | 'encryptionKey'>, channel: string): Upsert {
  return async (db, version, digest, snapshot, reason) => {
    await db.query(
      `INSERT INTO certificate_state (name, version, digest, snapshot, instance, reason) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, digest = EXCLUDED.digest, snapshot = EXCLUDED.snapshot,
         instance = EXCLUDED.instance, reason = EXCLUDED.reason, updated_at = clock_timestamp()`,
      [ROW, version, digest, encodeSnapshot(snapshot, options.encryptionKey), options.instanceId, reason],
    );
    await db.query('SELECT pg_notify($1, $2)', [channel, String(version)]);
  };
}

/** Writes the local snapshot as the next version, unless the database already has this content. */
async function publishLocal(st: ReplicationState, reason: string): Promise<void> {
  const m = st.manager;
  if (!m || st.closed) return;
  const { logger } = st.options;
  const snapshot = await m.exclusive(() => localSnapshot(m.material, m.trustedFingerprints()));
  const digest = snapshotDigest(snapshot);
  if (digest === st.applied.digest || digest === st.applied.local) return;
  await withTransaction(st.options.pool, async (client) => {
    const { rows } = await client.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state WHERE name = $1 FOR UPDATE', [ROW]);
    const row = rows[0];
    if (row?.digest === digest) {
      st.applied = { version: Number(row.version), digest, local: digest };
      return;
    }
    const version = Number(row?.version ?? 0) + 1;
    if (row && Number(row.version) > st.applied.version)
      logger.warn('a certificate change made here replaces one another instance made a moment before, which this instance had not applied yet', {
        event: 'cert.replication.overwrote',
        replacedVersion: Number(row.version),
        version,
      });
    await st.upsert(client, version, digest, snapshot, reason);
    st.applied = { version, digest, local: digest };
    logger.info('certificate change published to the other instances', {
      event: 'cert.replication.published',
      version,
      reason,
      server: snapshot.server.meta.fingerprint,
    });
  });
}

/** Materialises another instance's version and reloads the TLS context from it (full options, dry-run, hot swap). */
async function applyRemote(st: ReplicationState, version: number, digest: string, text: string): Promise<void> {
  const m = st.manager!;
  const snapshot = decodeSnapshot(text, st.options.encryptionKey);
  st.applying = true;
  try {
    const result = await m.reloadFromDisk({
      replicated: true,
      prepare: () => materialiseSnapshot(st.paths!, snapshot, safeRead(m.material, m.trustedFingerprints())),
    });
    const local = await m.exclusive(() => snapshotDigest(localSnapshot(m.material, m.trustedFingerprints())));
    st.applied = { version, digest, local };
    if (result === 'refused')
      st.options.logger.error('the certificate version another instance published is not valid here: kept the running TLS settings', {
        event: 'cert.replication.refused',
        version,
      });
  } finally {
    st.applying = false;
  }
}

async function syncOnce(st: ReplicationState): Promise<boolean> {
  if (!st.manager || st.closed) return false;
  const { pool } = st.options;
  const { rows } = await pool.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state WHERE name = $1', [ROW]);
  const row = rows[0];
  if (!row || Number(row.version) <= st.applied.version) return false;
  if (row.digest === st.applied.digest) {
    st.applied = { ...st.applied, version: Number(row.version) };
    return false;
  }
  const full = await pool.query<{ version: string; digest: string; snapshot: string }>(
    'SELECT version, digest, snapshot FROM certificate_state WHERE name = $1',
    [ROW],
  );
  const r = full.rows[0];
  if (!r) return false;
  await applyRemote(st, Number(r.version), r.digest, r.snapshot);
  return true;
}

export function createCertificateReplication(options: CertificateReplicationOptions): CertificateReplication {
  const { logger } = options;
  const channel = options.channel ?? 'impb_certificates';
  const st: ReplicationState = {
    options,
    applied: { version: 0, digest: '', local: '' },
    applying: false,
    closed: false,
    upsert: upsertInto(options, channel),
  };
  let timer: NodeJS.Timeout | undefined;
  let listener: WakeupListener | undefined;
  let syncing: Promise<boolean> | undefined;
  let publishing: Promise<void> | undefined;
  let again = false;
  const publish = (reason: string) => publishLocal(st, reason);

  /** Local writes (renewal by the scheduler, the file watch) publish once the change is done. */
  const schedulePublish = () => {
    if (!st.manager || st.applying || st.closed) return;
    if (publishing) {
      again = true;
      return;
    }
    publishing = (async () => {
      do {
        again = false;
        await publish('local change').catch((err: Error) =>
          logger.error('cannot publish the certificate change to the database; retried at the next change or poll', {
            event: 'cert.replication.publish_failed',
            err: { message: err.message },
          }),
        );
      } while (again && !st.closed);
    })().finally(() => (publishing = undefined));
  };

  const sync = () => (syncing ??= syncOnce(st).finally(() => (syncing = undefined)));

  return {
    async prepare(at, firstStart) {
      st.paths = at;
      st.applied = await prepareCertificates({ ...options, paths: at, firstStart, upsert: st.upsert });
    },

    wrapMaterial: (material) => publishingMaterial(material, schedulePublish),

    attach(m) {
      st.manager = m;
      catchUpAndPublish(m, sync, publish);
      const tick = () =>
        void sync().catch((err: Error) =>
          logger.warn('cannot read the deployment certificate version; retried', { event: 'cert.replication.poll_failed', err: { message: err.message } }),
        );
      timer = setInterval(tick, options.pollMs ?? 1_000);
      timer.unref();
      if (options.listenConfig) {
        listener = createWakeupListener({ clientConfig: options.listenConfig, channel, logger, onWake: tick });
        listener.start();
      }
      schedulePublish();
    },
    sync,
    publish,
    version: () => st.applied.version,
    async close() {
      st.closed = true;
      if (timer) clearInterval(timer);
      await listener?.close();
      await Promise.allSettled([syncing, publishing]);
    },
  };
}

/** Publishes after every write to the material store (the services write inside their exclusive section; the snapshot is read after it). */
function publishingMaterial(material: CertificateMaterialStore, schedulePublish: () => void): CertificateMaterialStore {
  const wrapped: CertificateMaterialStore = { ...material };
  for (const name of WRITES) {
    const original = material[name] as (...args: unknown[]) => unknown;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const result = original(...args);
      schedulePublish();
      return result;
    };
  }
  return wrapped;
}

/** Catch up first, so a change builds on the deployment's latest; publish before answering, so "done" means every instance will have it. */
function catchUpAndPublish(m: CertificateManager, sync: () => Promise<boolean>, publish: (reason: string) => Promise<void>): void {
  for (const name of MUTATIONS) {
    const original = m[name] as (...args: unknown[]) => Promise<unknown>;
    (m as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      await sync();
      const result = await original(...args);
      await publish(name);
      return result;
    };
  }
}
