import fs from 'node:fs';
import path from 'node:path';
import { certPaths } from '../../certs/cert-paths';
import { readSnapshot, snapshotDigest } from '../../certs/certificate-snapshot';
import { upsertInto } from '../../certs/certificate-replication';
import { createFileMaterialStore } from '../../certs/file-material-store';
import { CERTIFICATE_ROW } from '../../certs/replication-start';
import type { Logger } from '../../observability';
import { withTransaction, type PgPool } from '../../store/postgres/pool';

export type StateOutcome = 'published' | 'replaced' | 'already present' | "kept the database's" | 'none in the data dir';

export interface StateResult {
  outcome: StateOutcome;
  /** What the operator reads beside the outcome (file, fingerprint, database version). */
  detail: string;
}

export interface StateDeps {
  pool: PgPool;
  dataDir: string;
  logger: Logger;
  dryRun: boolean;
  /** Whether the shared-state tables exist (a dry run does not migrate). */
  targetExists: boolean;
  encryptionKey?: Buffer;
}

/** Recorded as the publishing instance of the certificate version. */
const PUBLISHER = 'store migrate-from-sqlite';
/** The generated admin token: its file in the data dir and its row in deployment_secrets (src/admin/admin-token.ts, shared-admin-state.ts). */
const TOKEN_FILE = 'admin-token';
const TOKEN_ROW = 'admin-token';

/** The NOTIFY channel of the instances on this schema (wire-deployment.ts: `impb_<schema>_certs`). */
async function certificateChannel(pool: PgPool): Promise<string> {
  const { rows } = await pool.query<{ schema: string }>('SELECT current_schema() AS schema');
  return `${`impb_${(rows[0]?.schema ?? 'public').toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 50)}_certs`;
}

/**
 * The SQLite deployment's certificate material (`<dataDir>/certs`, the file material store)
 * becomes the deployment's first certificate snapshot, read and written with the replication's
 * own functions, under its lock. A database that already has one keeps it unless `replace`; a
 * replacement is the next version, which running instances would apply like any change.
 */
export async function migrateCertificates(deps: StateDeps & { replace: boolean }): Promise<StateResult> {
  const paths = certPaths(deps.dataDir);
  if (!fs.existsSync(paths.serverCert)) return { outcome: 'none in the data dir', detail: `no server certificate in ${paths.root}` };
  const snapshot = readSnapshot(createFileMaterialStore(paths, { logger: deps.logger }), new Set(), Date.now());
  const digest = snapshotDigest(snapshot);
  const mine = `server ${snapshot.server.meta.fingerprint.slice(0, 16)}…, ${snapshot.trust.length} trust entries, ${snapshot.crls.length} CRLs`;
  if (!deps.targetExists) return { outcome: 'published', detail: `${mine} (dry run)` };
  const channel = await certificateChannel(deps.pool);
  return withTransaction(deps.pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('imp-bridge:certificates:' || current_schema()))`);
    const { rows } = await client.query<{ version: string; digest: string }>('SELECT version, digest FROM certificate_state WHERE name = $1', [
      CERTIFICATE_ROW,
    ]);
    const row = rows[0];
    if (row?.digest === digest) return { outcome: 'already present', detail: `${mine} (database version ${row.version})` };
    if (row && !deps.replace)
      return {
        outcome: "kept the database's",
        detail: `the database already has the deployment's certificates (version ${row.version}); --replace-certificates publishes the file's (${mine})`,
      };
    const version = Number(row?.version ?? 0) + 1;
    const dry = deps.dryRun ? ' (dry run)' : '';
    if (!deps.dryRun) await upsertInto({ instanceId: PUBLISHER, encryptionKey: deps.encryptionKey }, channel)(client, version, digest, snapshot, PUBLISHER);
    return { outcome: row ? 'replaced' : 'published', detail: `${mine} as version ${version}${dry}` };
  });
}

/** The generated admin token of the data dir becomes the deployment's, unless the database has one. */
export async function migrateAdminToken(deps: StateDeps): Promise<StateResult> {
  const file = path.join(deps.dataDir, TOKEN_FILE);
  if (!fs.existsSync(file)) return { outcome: 'none in the data dir', detail: `no ${file}` };
  const token = fs.readFileSync(file, 'utf8').trim();
  if (!token) return { outcome: 'none in the data dir', detail: `${file} is empty` };
  if (!deps.targetExists) return { outcome: 'published', detail: `from ${file} (dry run)` };
  return withTransaction(deps.pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('imp-bridge:admin-token:' || current_schema()))`);
    const { rows } = await client.query<{ value: string }>('SELECT value FROM deployment_secrets WHERE name = $1', [TOKEN_ROW]);
    if (rows[0]?.value === token) return { outcome: 'already present', detail: `from ${file}` };
    if (rows[0]) return { outcome: "kept the database's", detail: `the database already has another admin token; ${file} is left as it is` };
    if (!deps.dryRun) await client.query('INSERT INTO deployment_secrets (name, value) VALUES ($1, $2)', [TOKEN_ROW, token]);
    return { outcome: 'published', detail: `from ${file}${deps.dryRun ? ' (dry run)' : ''}` };
  });
}
