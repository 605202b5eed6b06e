import { systemClock, type Clock } from '../../domain/clock';

/** JSON helpers for columns that hold JSON text. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

/** The store's one clock as ISO-8601 text (record timestamps). */
export function nowIso(clock: Clock = systemClock): string {
  return new Date(clock.now()).toISOString();
}

/** Drops keys whose value is null so that optional fields stay absent in records. */
export function compact<T extends Record<string, unknown>>(row: T): T {
  for (const key of Object.keys(row)) if (row[key] === null) delete row[key];
  return row;
}
