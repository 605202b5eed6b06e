import type Database from 'better-sqlite3';
import { ImpbError } from '../../errors';
import { withTransaction, type PgClient, type PgPool } from '../../store/postgres/pool';
import { convertRow, epochMs, sameValue, type Row, type TableSpec } from './tables';

export interface TableCounts {
  table: string;
  /** Rows in the SQLite file. */
  source: number;
  /** Rows written now (with --dry-run: rows that would be). */
  copied: number;
  /** Rows already in PostgreSQL with the same content (an earlier run). */
  present: number;
  /** Natural-key rows (a subscriber, a template, …) PostgreSQL already holds with other values: the database's row is kept. */
  differing: number;
  /** Up to five keys of the differing rows, for the summary. */
  differingKeys: string[];
}

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyTableDeps {
  sqlite: Database.Database;
  pool: PgPool;
  spec: TableSpec;
  batchSize: number;
  dryRun: boolean;
  /** The table exists in PostgreSQL (a dry run does not migrate). */
  targetExists: boolean;
  onProgress?: (p: CopyProgress) => void;
}

const q = (name: string) => `"${name}"`;
const HEADS = "('queued','running','retry_wait','polling','awaiting_credentials')";

/** Another deployment's row under one of our ids: nothing more is copied (exit 1). */
function conflictError(spec: TableSpec, key: unknown, column: string, database: unknown, file: unknown): ImpbError {
  return new ImpbError('IMPB_ERR_STORE_CONFLICT', {
    message:
      `${spec.name} ${spec.key} ${String(key)} in PostgreSQL is another deployment's row (${column}: ${JSON.stringify(database)} there, ` +
      `${JSON.stringify(file)} in the SQLite file); nothing more was copied. Migrate into an empty database (or schema), or into the one this file was migrated into before`,
    details: { table: spec.name, key: String(key), column, database, file },
  });
}

/** Compares the rows PostgreSQL already has under the batch's keys; throws on another deployment's row. */
async function compareExisting(db: Pick<PgClient, 'query'>, spec: TableSpec, rows: Row[], counts: TableCounts): Promise<Set<string>> {
  const found = new Set<string>();
  if (!rows.length) return found;
  const cols = spec.columns.map(q).join(', ');
  const existing = await db.query<Row>(`SELECT ${cols} FROM ${q(spec.name)} WHERE ${q(spec.key)} = ANY($1)`, [rows.map((r) => r[spec.key])]);
  const byKey = new Map(existing.rows.map((r) => [String(r[spec.key]), r]));
  for (const row of rows) {
    const there = byKey.get(String(row[spec.key]));
    if (!there) continue;
    found.add(String(row[spec.key]));
    if (spec.identity) {
      const other = spec.identity.find((c) => !sameValue(there[c], row[c]));
      if (other) throw conflictError(spec, row[spec.key], other, there[other], row[other]);
      counts.present += 1;
      continue;
    }
    if (spec.columns.every((c) => sameValue(there[c], row[c]))) counts.present += 1;
    else {
      counts.differing += 1;
      if (counts.differingKeys.length < 5) counts.differingKeys.push(String(row[spec.key]));
    }
  }
  return found;
}

/**
 * Events from before SQLite migration 5 carry their request text themselves (no request_ref);
 * PostgreSQL keeps it in `requests` only, so each newly copied one gets a request row.
 */
async function attachLegacyRequests(client: PgClient, sourceRows: Row[], copied: Set<string>): Promise<void> {
  const legacy = sourceRows.filter((r) => copied.has(String(r.id)) && r.request_ref === null && typeof r.raw_request === 'string' && r.raw_request !== '');
  if (!legacy.length) return;
  const ids = await client.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('requests', 'id'))::text AS id FROM generate_series(1, $1)`, [
    legacy.length,
  ]);
  const requests = legacy.map((r, i) => ({
    id: ids.rows[i].id,
    received_at: epochMs(r.received_at, `inbound_events ${String(r.id)} received_at`),
    request_id: r.request_id,
    raw_request: r.raw_request,
  }));
  await client.query(
    `INSERT INTO requests (id, received_at, request_id, raw_request) SELECT id, received_at, request_id, raw_request FROM json_populate_recordset(NULL::requests, $1::json)`,
    [JSON.stringify(requests)],
  );
  await client.query(`UPDATE inbound_events e SET request_ref = x.ref FROM json_to_recordset($1::json) AS x(id bigint, ref bigint) WHERE e.id = x.id`, [
    JSON.stringify(legacy.map((r, i) => ({ id: r.id, ref: requests[i].id }))),
  ]);
}

/** One batch in one transaction: insert what is new (ON CONFLICT DO NOTHING), check what was there. */
async function writeBatch(deps: CopyTableDeps, sourceRows: Row[], rows: Row[], counts: TableCounts): Promise<void> {
  const { spec } = deps;
  if (deps.dryRun) {
    const found = deps.targetExists ? await compareExisting(deps.pool, spec, rows, counts) : new Set<string>();
    counts.copied += rows.length - found.size;
    return;
  }
  await withTransaction(deps.pool, async (client) => {
    const cols = spec.columns.map(q).join(', ');
    const inserted = await client.query<Row>(
      `INSERT INTO ${q(spec.name)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${q(spec.name)}, $1::json)
       ON CONFLICT (${q(spec.key)}) DO NOTHING RETURNING ${q(spec.key)}`,
      [JSON.stringify(rows)],
    );
    const copied = new Set(inserted.rows.map((r) => String(r[spec.key])));
    // A conflict throws here: the batch rolls back and the copy stops.
    await compareExisting(
      client,
      spec,
      rows.filter((r) => !copied.has(String(r[spec.key]))),
      counts,
    );
    if (spec.name === 'inbound_events') await attachLegacyRequests(client, sourceRows, copied);
    counts.copied += copied.size;
  });
}

/** After the rows: sequences past the copied ids; lanes for the copied jobs (the insert trigger made them; this mends any a partial earlier copy left). */
async function finishTable(deps: CopyTableDeps): Promise<void> {
  const { spec, pool } = deps;
  if (deps.dryRun) return;
  if (spec.serial) await pool.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM ${q(spec.name)} HAVING max(id) IS NOT NULL`, [spec.name]);
  if (spec.name === 'jobs')
    await pool.query(`SELECT lanes_refresh(h.user_id) FROM (SELECT user_id, min(id) AS head FROM jobs WHERE state IN ${HEADS} GROUP BY user_id) h
      LEFT JOIN lanes l ON l.user_id = h.user_id WHERE l.head_job_id IS DISTINCT FROM h.head`);
}

/** Copies one table in batches of `batchSize` rows (keyset order on its key), each batch its own transaction. */
export async function copyTable(deps: CopyTableDeps): Promise<TableCounts> {
  const { spec, sqlite, batchSize } = deps;
  const counts: TableCounts = { table: spec.name, source: 0, copied: 0, present: 0, differing: 0, differingKeys: [] };
  counts.source = (sqlite.prepare(`SELECT count(*) AS n FROM ${q(spec.name)}`).get() as { n: number }).n;
  const first = sqlite.prepare(`SELECT * FROM ${q(spec.name)} ORDER BY ${q(spec.key)} LIMIT ?`);
  const next = sqlite.prepare(`SELECT * FROM ${q(spec.name)} WHERE ${q(spec.key)} > ? ORDER BY ${q(spec.key)} LIMIT ?`);
  let done = 0;
  let cursor: unknown;
  deps.onProgress?.({ table: spec.name, done, total: counts.source });
  for (;;) {
    const sourceRows = (cursor === undefined ? first.all(batchSize) : next.all(cursor, batchSize)) as Row[];
    if (!sourceRows.length) break;
    await writeBatch(
      deps,
      sourceRows,
      sourceRows.map((r) => convertRow(spec, r)),
      counts,
    );
    cursor = sourceRows[sourceRows.length - 1][spec.key];
    done += sourceRows.length;
    deps.onProgress?.({ table: spec.name, done, total: Math.max(done, counts.source) });
  }
  await finishTable(deps);
  return counts;
}
