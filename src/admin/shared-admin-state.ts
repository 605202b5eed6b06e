import fs from 'node:fs';
import type { Config } from '../config/schema';
import type { Logger } from '../observability';
import type { PgPool } from '../store/postgres/pool';
import { withTransaction } from '../store/postgres/pool';
import { adminTokenPath, ensureAdminToken } from './admin-token';
import type { ConsoleSessionStore } from './console-session';

const TOKEN = 'admin-token';

/**
 * Several instances: the generated admin token is the deployment's, made once (the first
 * instance, under a lock) and kept in `deployment_secrets`. Each instance writes it into its
 * data dir (0600) as before, so the CLI on that machine reads it there; operators who can read
 * the data dir could read it anyway. A configured `admin.token` is left as it is.
 */
export async function shareAdminToken(deps: { pool: PgPool; config: Config; logger: Logger }): Promise<void> {
  const { config, logger } = deps;
  if (config.admin.token) return;
  await withTransaction(deps.pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('imp-bridge:admin-token:' || current_schema()))`);
    const { rows } = await client.query<{ value: string }>('SELECT value FROM deployment_secrets WHERE name = $1', [TOKEN]);
    const file = adminTokenPath(config.dataDir);
    if (rows[0]) {
      const onDisk = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
      if (onDisk !== rows[0].value) {
        fs.mkdirSync(config.dataDir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, `${rows[0].value}\n`, { mode: 0o600 });
        fs.chmodSync(tmp, 0o600);
        fs.renameSync(tmp, file);
        logger.info("uses the deployment's admin token (from the database)", { event: 'admin.token.adopted', file });
      }
      return;
    }
    await client.query('INSERT INTO deployment_secrets (name, value) VALUES ($1, $2)', [TOKEN, ensureAdminToken(config)]);
    logger.info("this instance's admin token is now the deployment's", { event: 'admin.token.shared', file });
  });
}

/** Console sessions in the database: a login on one instance, then requests to any other. Expired rows go on each login. */
export function createPgConsoleSessions(pool: PgPool): ConsoleSessionStore {
  return {
    async get(idHash) {
      const { rows } = await pool.query<{ csrf_token: string; expires_at: Date }>('SELECT csrf_token, expires_at FROM console_sessions WHERE id_hash = $1', [
        idHash,
      ]);
      return rows[0] ? { csrfToken: rows[0].csrf_token, expiresAt: rows[0].expires_at.getTime() } : undefined;
    },
    async set(idHash, session) {
      await pool.query('DELETE FROM console_sessions WHERE expires_at < clock_timestamp()');
      await pool.query('INSERT INTO console_sessions (id_hash, csrf_token, expires_at) VALUES ($1, $2, to_timestamp($3::float8 / 1000))', [
        idHash,
        session.csrfToken,
        session.expiresAt,
      ]);
    },
    async delete(idHash) {
      await pool.query('DELETE FROM console_sessions WHERE id_hash = $1', [idHash]);
    },
  };
}
