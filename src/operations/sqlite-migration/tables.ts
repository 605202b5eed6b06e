import { unpackRequestText } from '../../store/sqlite/stored-text';
/**
 * What `store migrate-from-sqlite` copies, table by table: the PostgreSQL columns (SQLite has
 * the same names, see src/store/sqlite/migrations.ts and src/store/postgres/store-schema.ts),
 * which of them are ISO-text times on SQLite (epoch ms on PostgreSQL) or 0/1 flags, and which
 * columns tell that a row already in PostgreSQL is this deployment's row and not another's.
 */
/** `text`: a request text SQLite may keep deflated (large requests, stored-text.ts); PostgreSQL keeps text. */
export type Conversion = 'time' | 'bool' | 'drop' | 'text' | 'job-error';

export interface TableSpec {
  name: string;
  /** The conflict target: `id` for tables with a sequence, the natural key otherwise. */
  key: string;
  /** Has a bigserial id whose sequence is set past the copied maximum. */
  serial: boolean;
  columns: readonly string[];
  convert?: Readonly<Record<string, Conversion>>;
  /**
   * Serial tables: columns that never change once a row is written. A row with the same id but
   * other values here is another deployment's: the copy stops (exit 1). Natural-key tables
   * (subscribers, templates, …) keep the database's row when it differs, since a migrated
   * deployment that already ran on PostgreSQL has moved on; the summary counts them.
   */
  identity?: readonly string[];
}

const TIMES2 = { created_at: 'time', updated_at: 'time' } as const;

export const TABLES: readonly TableSpec[] = [
  {
    name: 'requests',
    key: 'id',
    serial: true,
    columns: ['id', 'received_at', 'request_id', 'raw_request'],
    convert: { received_at: 'time', raw_request: 'text' },
    identity: ['request_id', 'received_at'],
  },
  {
    name: 'inbound_events',
    key: 'id',
    serial: true,
    columns: [
      'id',
      'received_at',
      'request_id',
      'template',
      'kind',
      'user_id',
      'enterprise_id',
      'event_json',
      'request_ref',
      'dedupe_key',
      'sub_path',
      'source_address',
      'client_subject',
    ],
    convert: { received_at: 'time' },
    identity: ['request_id', 'user_id', 'received_at'],
  },
  {
    name: 'jobs',
    key: 'id',
    serial: true,
    columns: [
      'id',
      'event_id',
      'kind',
      'template',
      'user_id',
      'enterprise_id',
      'state',
      'attempts',
      'next_run_at',
      'lookup_first',
      'payload_json',
      'last_error_json',
      'tracking_id',
      'lease_owner',
      'lease_token',
      'lease_expires_at',
      'created_at',
      'updated_at',
    ],
    // A SQLite lease belongs to a process that is gone: every job arrives without one.
    convert: { ...TIMES2, lookup_first: 'bool', lease_owner: 'drop', lease_token: 'drop', lease_expires_at: 'drop', last_error_json: 'job-error' },
    identity: ['event_id', 'user_id', 'kind', 'created_at'],
  },
  {
    name: 'subscribers',
    key: 'user_id',
    serial: false,
    columns: [
      'user_id',
      'template',
      'enterprise_id',
      'webex_subscriber_id',
      'customer_id',
      'person_id',
      'org_id',
      'email',
      'package',
      'status',
      'is_active',
      'last_tracking_id',
      'last_error_code',
      'last_error_description',
      'last_status_change',
      'profile_json',
      'created_at',
      'updated_at',
    ],
    convert: { ...TIMES2, last_status_change: 'time', is_active: 'bool' },
  },
  {
    name: 'customers',
    key: 'enterprise_id',
    serial: false,
    columns: [
      'enterprise_id',
      'template',
      'webex_customer_id',
      'org_id',
      'status',
      'location_url',
      'admin_user_id',
      'created_by_bridge',
      'last_tracking_id',
      'last_error',
      'last_error_code',
      'creation_owner',
      'creation_expires_at',
      'created_at',
      'updated_at',
    ],
    // A creation claim of the stopped instance would only delay the next claimant.
    convert: { ...TIMES2, created_by_bridge: 'bool', creation_owner: 'drop', creation_expires_at: 'drop' },
  },
  { name: 'templates', key: 'name', serial: false, columns: ['name', 'body_json', 'created_at', 'updated_at'], convert: TIMES2 },
  { name: 'clusters', key: 'name', serial: false, columns: ['name', 'body_json', 'created_at', 'updated_at'], convert: TIMES2 },
  { name: 'settings', key: 'key', serial: false, columns: ['key', 'value', 'updated_at'], convert: { updated_at: 'time' } },
  {
    name: 'audit',
    key: 'id',
    serial: true,
    columns: ['id', 'at', 'actor', 'entity_type', 'entity_id', 'action', 'before_json', 'after_json', 'tracking_id', 'detail'],
    convert: { at: 'time' },
    identity: ['at', 'entity_type', 'entity_id', 'action'],
  },
  {
    name: 'unknown_requests',
    key: 'id',
    serial: true,
    columns: ['id', 'received_at', 'request_id', 'template', 'kind', 'reason', 'headers_json', 'body', 'response'],
    convert: { received_at: 'time' },
    identity: ['request_id', 'received_at'],
  },
  {
    name: 'webex_calls',
    key: 'id',
    serial: true,
    columns: [
      'id',
      'at',
      'job_id',
      'user_id',
      'enterprise_id',
      'operation',
      'method',
      'path',
      'http_status',
      'tracking_id',
      'error_code',
      'description',
      'duration_ms',
    ],
    convert: { at: 'time' },
    identity: ['tracking_id', 'at'],
  },
  {
    name: 'shadow_records',
    key: 'id',
    serial: true,
    columns: ['id', 'received_at', 'template', 'request_id', 'understood', 'record_json'],
    convert: { received_at: 'time', understood: 'bool' },
    identity: ['request_id', 'received_at'],
  },
];

export type Row = Record<string, unknown>;

/** SQLite column values are text, numbers, bigints, buffers or NULL; PostgreSQL's are text, numbers or booleans here. */
type Scalar = string | number | bigint | boolean | null | undefined;

export function epochMs(value: unknown, where: string): number | null {
  const v = value as Scalar;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  const ms = Date.parse(String(v));
  if (Number.isNaN(ms)) throw new TypeError(`${where}: "${String(v)}" is not a time`);
  return ms;
}

/**
 * A job's last error as PostgreSQL keeps it: its `at` in epoch ms. SQLite rows written before
 * the port used epoch ms hold ISO text there; the SQLite store converts it on read, the
 * PostgreSQL store does not (it never wrote text), so the copy converts it once.
 */
function jobErrorWithEpochTime(value: unknown, where: string): string | null {
  if (typeof value !== 'string') return null;
  let error: Record<string, unknown>;
  try {
    error = JSON.parse(value) as Record<string, unknown>;
  } catch {
    // Said as epochMs says a bad time: the table, the row's key and the column, so it can be mended.
    throw new TypeError(`${where}: "${value.slice(0, 80)}" is not a stored job error (JSON)`);
  }
  return JSON.stringify({ ...error, at: epochMs(error.at, `${where} at`) });
}

/** A SQLite row as the PostgreSQL row of the same table (times to epoch ms, flags to booleans, leases dropped). */
export function convertRow(spec: TableSpec, source: Row): Row {
  const out: Row = {};
  for (const column of spec.columns) {
    const value = source[column] ?? null;
    const how = spec.convert?.[column];
    if (how === 'time') out[column] = epochMs(value, `${spec.name} ${String(source[spec.key])} ${column}`);
    else if (how === 'bool') out[column] = value === null ? null : Boolean(value);
    else if (how === 'drop') out[column] = null;
    else if (how === 'text') out[column] = unpackRequestText(value as string | Buffer | null);
    else if (how === 'job-error') out[column] = jobErrorWithEpochTime(value, `${spec.name} ${String(source[spec.key])} ${column}`);
    else out[column] = value;
  }
  // A job the stopped instance was running arrives claimable (no lease, due at once), and its
  // next run looks Webex up first, as a lease taken over on either store does.
  if (spec.name === 'jobs' && out.state === 'running') out.lookup_first = true;
  return out;
}

/** Values compared as PostgreSQL hands them back (BIGINT as text). */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: Scalar) => (v === null || v === undefined ? null : String(v));
  return norm(a as Scalar) === norm(b as Scalar);
}
