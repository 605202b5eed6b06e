import type { ClientConfig } from 'pg';
import type { Logger } from '../observability';
import type { PgClient, PgPool } from '../store/postgres/pool';
import { withTransaction } from '../store/postgres/pool';
import { createWakeupListener, type WakeupListener } from '../store/postgres/wakeups';
import type { CertPaths } from './cert-paths';
import type { CertificateManager } from './certificate-manager';
import { materialiseSnapshot, readSnapshot, snapshotDigest, type CertificateSnapshot } from './certificate-snapshot';
import { createFileMaterialStore } from './file-material-store';
import type { CertificateMaterialStore } from './material-store';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec';

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

const ROW = 'deployment';
const MUTATIONS = ['trustAdd', 'trustRemove', 'crlAdd', 'createCsr', 'install', 'rollback', 'renewSelfSigned'] as const;
const WRITES = ['adoptServer', 'repairServerLayout', 'activateServer', 'writePending', 'clearPending', 'writeTrust', 'deleteTrust', 'writeCrl', 'deleteCrl'] as const;

interface Applied {
  version: number;
  /** The digest in the database, and the one read back here after materialising it (equal unless a detail differs). */
  digest: string;
  local: string;
}

export function createCertificateReplication(options: CertificateReplicationOptions): CertificateReplication {
  const { pool, logger, instanceId } = options;
  const channel = options.channel ?? 'impb_certificates';
  let applied: Applied = { version: 0, digest: '', local: '' };
  let manager: CertificateManager | undefined;
  let paths: CertPaths | undefined;
  let applying = false;
  let timer: NodeJS.Timeout | undefined;
  let listener: WakeupListener | undefined;
  let syncing: Promise<boolean> | undefined;
  let publishing: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const localSnapshot = (material: CertificateMaterialStore, trusted: ReadonlySet<string>) => readSnapshot(material, trusted, Date.now());
  const upsert = async (db: Pick<PgClient, 'query'>, version: number, digest: string, snapshot: CertificateSnapshot, reason: string) => {
    await db.query(
      `INSERT INTO certificate_state (name, version, digest, snapshot, instance, reason) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, digest = EXCLUDED.digest, snapshot = EXCLUDED.snapshot,
         instance = EXCLUDED.instance, reason = EXCLUDED.reason, updated_at = clock_timestamp()`,
      [ROW, version, digest, encodeSnapshot(snapshot, options.encryptionKey), instanceId, reason],
    );
    await db.query('SELECT pg_notify($1, $2)', [channel, String(version)]);
  };

  async function publish(reason: string): Promise<void> {
    if (!manager || closed) return;
    const m = manager;
    const snapshot = await m.exclusive(() => localSnapshot(m.material, m.trustedFingerprints()));
    const digest = snapshotDigest(snapshot);
    if (digest === applied.digest || digest === applied.local) return;
    await withTransaction(pool, async (client) => {
      const { rows } = await client.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state WHERE name = $1 FOR UPDATE', [ROW]);
      const row = rows[0];
      if (row?.digest === digest) {
        applied = { version: Number(row.version), digest, local: digest };
        return;
      }
      const version = Number(row?.version ?? 0) + 1;
      if (row && Number(row.version) > applied.version)
        logger.warn('a certificate change made here replaces one another instance made a moment before, which this instance had not applied yet', {
          event: 'cert.replication.overwrote',
          replacedVersion: Number(row.version),
          version,
        });
      await upsert(client, version, digest, snapshot, reason);
      applied = { version, digest, local: digest };
      logger.info('certificate change published to the other instances', { event: 'cert.replication.published', version, reason, server: snapshot.server.meta.fingerprint });
    });
  }

  /** Local writes (renewal by the scheduler, the file watch) publish once the change is done. */
  const schedulePublish = () => {
    if (!manager || applying || closed) return;
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
      } while (again && !closed);
    })().finally(() => (publishing = undefined));
  };

  async function apply(version: number, digest: string, text: string): Promise<void> {
    const m = manager!;
    const snapshot = decodeSnapshot(text, options.encryptionKey);
    applying = true;
    try {
      const result = await m.reloadFromDisk({
        replicated: true,
        prepare: () => {
          const current = safeRead(m.material, m.trustedFingerprints());
          materialiseSnapshot(paths!, snapshot, current);
        },
      });
      const local = await m.exclusive(() => snapshotDigest(localSnapshot(m.material, m.trustedFingerprints())));
      applied = { version, digest, local };
      if (result === 'refused')
        logger.error('the certificate version another instance published is not valid here: kept the running TLS settings', {
          event: 'cert.replication.refused',
          version,
        });
    } finally {
      applying = false;
    }
  }

  async function syncOnce(): Promise<boolean> {
    if (!manager || closed) return false;
    const { rows } = await pool.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state WHERE name = $1', [ROW]);
    const row = rows[0];
    if (!row || Number(row.version) <= applied.version) return false;
    if (row.digest === applied.digest) {
      applied = { ...applied, version: Number(row.version) };
      return false;
    }
    const full = await pool.query<{ version: string; digest: string; snapshot: string }>(
      'SELECT version, digest, snapshot FROM certificate_state WHERE name = $1',
      [ROW],
    );
    const r = full.rows[0]!;
    await apply(Number(r.version), r.digest, r.snapshot);
    return true;
  }

  const sync = () => (syncing ??= syncOnce().finally(() => (syncing = undefined)));

  return {
    async prepare(at, firstStart) {
      paths = at;
      await withTransaction(pool, async (client) => {
        // One instance makes the deployment's first certificates; the others wait here and adopt them.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('imp-bridge:certificates:' || current_schema()))`);
        const { rows } = await client.query<{ version: string; digest: string; snapshot: string }>(
          'SELECT version, digest, snapshot FROM certificate_state WHERE name = $1',
          [ROW],
        );
        const files = createFileMaterialStore(at, { logger });
        const row = rows[0];
        if (row) {
          materialiseSnapshot(at, decodeSnapshot(row.snapshot, options.encryptionKey), safeRead(files, new Set()));
          const local = snapshotDigest(localSnapshot(files, new Set()));
          applied = { version: Number(row.version), digest: row.digest, local };
          logger.info("adopted the deployment's certificates and trust from the database", { event: 'cert.replication.adopted', version: applied.version });
          return;
        }
        await firstStart();
        const snapshot = localSnapshot(files, new Set());
        const digest = snapshotDigest(snapshot);
        await upsert(client, 1, digest, snapshot, 'first start');
        applied = { version: 1, digest, local: digest };
        logger.info("this instance's certificates and trust are now the deployment's (first instance on this database)", {
          event: 'cert.replication.seeded',
          server: snapshot.server.meta.fingerprint,
        });
      });
    },

    wrapMaterial(material) {
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
    },

    attach(m) {
      manager = m;
      for (const name of MUTATIONS) {
        const original = m[name] as (...args: unknown[]) => Promise<unknown>;
        // Catch up first, so a change builds on the deployment's latest; publish before answering, so "done" means every instance will have it.
        (m as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
          await sync();
          const result = await original(...args);
          await publish(name);
          return result;
        };
      }
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
    version: () => applied.version,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await listener?.close();
      await Promise.allSettled([syncing, publishing]);
    },
  };
}

function safeRead(material: CertificateMaterialStore, trusted: ReadonlySet<string>): CertificateSnapshot | undefined {
  try {
    return readSnapshot(material, trusted, Date.now());
  } catch {
    return undefined;
  }
}
