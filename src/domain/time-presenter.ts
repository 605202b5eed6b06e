/**
 * The one place epoch-ms times become ISO-8601 text. The store port and the domain carry
 * times as epoch milliseconds; the edges (admin API JSON answers, CLI output, reports) render
 * them here so that every answer keeps the ISO shape operators and scripts already read.
 */

/** Epoch ms → ISO-8601 text (undefined stays undefined). */
export function toIsoTime(ms: number): string;
export function toIsoTime(ms: number | undefined): string | undefined;
export function toIsoTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** ISO-8601 text (or epoch ms, when a record was written after the change) → epoch ms. */
export function fromIsoTime(value: string | number): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** The time fields a record of the store port may carry, all epoch ms. */
export const RECORD_TIME_FIELDS = ['createdAt', 'updatedAt', 'receivedAt', 'lastStatusChange', 'at'] as const;
type TimeField = (typeof RECORD_TIME_FIELDS)[number];

/** A record as an edge shows it: its epoch-ms time fields as ISO text. */
export type Presented<T> = T extends readonly (infer U)[]
  ? Presented<U>[]
  : T extends object
    ? { [K in keyof T]: K extends TimeField ? (T[K] extends number ? string : T[K] extends number | undefined ? string | undefined : T[K]) : Presented<T[K]> }
    : T;

/**
 * Renders a port record (or a list, or an object holding records, e.g. a job's `lastError`)
 * for an edge: every RECORD_TIME_FIELDS key whose value is a number becomes ISO text, at any
 * depth. Other numbers (`nextRunAt`, a lease's `expiresAt`) are left as they are: their
 * shape on the API was a number already.
 */
export function presentTimes<T>(value: T): Presented<T> {
  return present(value) as Presented<T>;
}

function present(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(present);
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === 'number' && (RECORD_TIME_FIELDS as readonly string[]).includes(key) ? toIsoTime(v) : present(v);
  }
  return out;
}
