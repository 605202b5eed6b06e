import { systemClock, type Clock } from '../../domain/clock';
import { fromIsoTime } from '../../domain/time-presenter';

/** JSON helpers for columns that hold JSON text. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

/**
 * Time columns: the port speaks epoch ms; the SQLite columns keep the ISO-8601 text they always
 * held (older rows and the migrations stay as they are, and text sorts as time does). These two
 * are the only conversions between them.
 */
export function columnTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A time column (or a time inside stored JSON, text or already a number) → epoch ms. */
export function recordTime(value: string | number): number;
export function recordTime(value: string | number | null | undefined): number | undefined;
export function recordTime(value: string | number | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : fromIsoTime(value);
}

/** The store's one clock as a time column. */
export function nowIso(clock: Clock = systemClock): string {
  return columnTime(clock.now());
}

/** Drops keys whose value is null so that optional fields stay absent in records. */
export function compact<T extends Record<string, unknown>>(row: T): T {
  for (const key of Object.keys(row)) if (row[key] === null) delete row[key];
  return row;
}
