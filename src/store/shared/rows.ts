/** Row helpers both stores use: JSON text columns, and the absent-not-null rule of port records. */

export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Drops keys whose value is null or undefined, so that optional fields stay absent in records. */
export function compact<T extends Record<string, unknown>>(row: T): T {
  for (const key of Object.keys(row)) if (row[key] === null || row[key] === undefined) delete row[key];
  return row;
}

/** A row as either driver returns it from `SELECT *`, before a mapper reads it. */
export type AnyRow = Record<string, unknown>;
