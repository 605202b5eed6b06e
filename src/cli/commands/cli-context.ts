import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Config } from '../../config';
import { isImpbError } from '../../errors';
import { presentTimes } from '../../domain';
import { createSilentLogger } from '../../observability';
import { openStore, type Store } from '../../store';
import { createAdminClient, type AdminClient } from '../admin-client';
import { printNote, printRows, truncationNote } from '../output';
import { assertOneOf, positiveInt, suggest } from '../usage';

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
 * read-only, so an operator can look at a stopped proxy's state. Either way the answer has the
 * API's shape: record times read from the store are rendered as ISO text (presentTimes).
 */
export async function readOnly<T>(viaApi: (client: AdminClient) => Promise<T>, viaStore: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const client = createAdminClient();
  try {
    return await viaApi(client);
  } catch (err) {
    if (!isImpbError(err, 'IMPB_ERR_ADMIN_UNREACHABLE')) throw err;
    const where = client.config.store.kind === 'postgres' ? 'the PostgreSQL store' : `the store in ${client.config.dataDir}`;
    process.stderr.write(`imp-bridge: the proxy is not running at ${client.baseUrl}; reading ${where} (read-only)\n`);
    const { store } = await openStore(client.config, { logger: createSilentLogger(), readonly: true });
    try {
      return presentTimes(await viaStore(store, client.config)) as T;
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

/** Option parser: a usage mistake (exit 2) names the flag through commander. */
export const parsePositiveInt = positiveInt;

/** An option limited to `values`: a wrong value is a usage mistake with a did-you-mean. */
export function choiceOption(flags: string, description: string, values: readonly string[]): Option {
  return new Option(flags, `${description} (${values.join(', ')})`).argParser((value: string) => {
    if (values.includes(value)) return value;
    const close = suggest(value, values);
    throw new InvalidArgumentError(`${close.length ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}? ` : ''}allowed: ${values.join(', ')}`);
  });
}

/** A list answer of the admin API: the rows and, where the API counts them, the total. */
export interface ListPage<T> {
  rows: T[];
  total?: number;
}

/** Prints rows, then on stderr what was left out: "showing 100 of 2,345; use --limit". */
export function printList(page: ListPage<unknown>, o: JsonFlag & { limit?: number }, columns: string[]): void {
  printRows(page.rows as Array<Record<string, unknown>>, o, columns);
  const note = truncationNote(page.rows.length, page.total, page.total === undefined && o.limit !== undefined && page.rows.length >= o.limit);
  if (note) printNote(note);
}

/** Template names, from the running proxy or the store: filters naming another one are refused. */
export async function templateNames(source: AdminClient | Store): Promise<string[]> {
  if ('call' in source) return (await source.call<{ templates: Array<{ name: string }> }>('GET', '/api/v1/templates')).templates.map((t) => t.name);
  return (await source.templates.list()).map((t) => t.name);
}

/** `--template acme-std` when no such template exists: exit 2 with the closest names. */
export async function checkTemplateFilter(source: AdminClient | Store, template: string | undefined): Promise<void> {
  if (template === undefined) return;
  assertOneOf('--template', template, await templateNames(source), 'template');
}
