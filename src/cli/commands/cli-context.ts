import { Option, type Command } from 'commander';
import type { Config } from '../../config';
import { isImpbError } from '../../errors';
import { createSqliteStore, type SqliteStore } from '../../store';
import { createAdminClient, type AdminClient } from '../admin-client';

export interface JsonFlag {
  json?: boolean;
}

export function withJson(cmd: Command): Command {
  return cmd.addOption(new Option('--json', 'print JSON instead of a table'));
}

export async function withClient<T>(fn: (client: AdminClient) => Promise<T>): Promise<T> {
  const client = createAdminClient();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * Read-only commands ask the running proxy; when none answers they open the store directly,
 * read-only, so an operator can look at a stopped proxy's state.
 */
export async function readOnly<T>(viaApi: (client: AdminClient) => Promise<T>, viaStore: (store: SqliteStore, config: Config) => Promise<T>): Promise<T> {
  const client = createAdminClient();
  try {
    return await viaApi(client);
  } catch (err) {
    if (!isImpbError(err, 'IMPB_ERR_ADMIN_UNREACHABLE')) throw err;
    process.stderr.write(`imp-bridge: the proxy is not running at ${client.baseUrl}; reading the store in ${client.config.dataDir} (read-only)\n`);
    const store = createSqliteStore({ dataDir: client.config.dataDir, readonly: true });
    try {
      return await viaStore(store, client.config);
    } finally {
      await store.close();
    }
  } finally {
    await client.close();
  }
}

export const enc = encodeURIComponent;

/** Query string from the defined values only. */
export function qs(values: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive whole number, got "${value}"`);
  return n;
}
