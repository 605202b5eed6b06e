import { systemClock, type Clock } from '../../domain/clock';
import { fromIsoTime } from '../../domain/time-presenter';
import type { ColumnReaders } from '../shared/column-readers';

/** JSON text columns and `compact`: the helpers the PostgreSQL store shares (../shared/rows). */
export { compact, fromJson, toJson } from '../shared/rows';

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

/** How better-sqlite3 hands columns to the shared row mappers: integers as numbers, times as ISO text, booleans as 0/1. */
export const SQLITE_COLUMNS: ColumnReaders = {
  int: (value) => value as number,
  time: (value) => recordTime(value as string | number),
  flag: (value) => value === 1,
};
