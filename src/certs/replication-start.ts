import type { PgClient } from '../store/postgres/pool';
import { withTransaction } from '../store/postgres/pool';
import type { CertPaths } from './cert-paths';
import { materialiseSnapshot, readSnapshot, snapshotDigest, type CertificateSnapshot } from './certificate-snapshot';
import type { Logger } from '../observability';
import type { PgPool } from '../store/postgres/pool';
import { createFileMaterialStore } from './file-material-store';
import type { CertificateMaterialStore } from './material-store';
import { decodeSnapshot } from './snapshot-codec';

/** The one row of certificate_state a deployment uses. */
export const CERTIFICATE_ROW = 'deployment';
const ROW = CERTIFICATE_ROW;

export interface Applied {
  version: number;
  /** The digest in the database, and the one read back here after materialising it (equal unless a detail differs). */
  digest: string;
  local: string;
}

export type Upsert = (db: Pick<PgClient, 'query'>, version: number, digest: string, snapshot: CertificateSnapshot, reason: string) => Promise<void>;

/** At start, under a lock: adopt the deployment's certificates, or, first instance, make them and publish version 1. */
export async function prepareCertificates(
  deps: { pool: PgPool; logger: Logger; encryptionKey?: Buffer } & { paths: CertPaths; firstStart: () => Promise<unknown>; upsert: Upsert },
): Promise<Applied> {
  const { logger, paths: at } = deps;
  return withTransaction(deps.pool, async (client) => {
    // One instance makes the deployment's first certificates; the others wait here and adopt them.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('imp-bridge:certificates:' || current_schema()))`);
    const { rows } = await client.query<{ version: string; digest: string; snapshot: string }>(
      'SELECT version, digest, snapshot FROM certificate_state WHERE name = $1',
      [ROW],
    );
    const files = createFileMaterialStore(at, { logger });
    const row = rows[0];
    if (row) {
      materialiseSnapshot(at, decodeSnapshot(row.snapshot, deps.encryptionKey), safeRead(files, new Set()));
      const local = snapshotDigest(readSnapshot(files, new Set(), Date.now()));
      logger.info("adopted the deployment's certificates and trust from the database", { event: 'cert.replication.adopted', version: Number(row.version) });
      return { version: Number(row.version), digest: row.digest, local };
    }
    await deps.firstStart();
    const snapshot = readSnapshot(files, new Set(), Date.now());
    const digest = snapshotDigest(snapshot);
    await deps.upsert(client, 1, digest, snapshot, 'first start');
    logger.info("this instance's certificates and trust are now the deployment's (first instance on this database)", {
      event: 'cert.replication.seeded',
      server: snapshot.server.meta.fingerprint,
    });
    return { version: 1, digest, local: digest };
  });
}

export function safeRead(material: CertificateMaterialStore, trusted: ReadonlySet<string>): CertificateSnapshot | undefined {
  try {
    return readSnapshot(material, trusted, Date.now());
  } catch {
    return undefined;
  }
}
