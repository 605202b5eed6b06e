/**
 * How a driver hands a column over: the only thing the shared row mappers leave to each store.
 * node-postgres gives BIGINT as text, epoch-ms time columns and booleans; better-sqlite3 gives
 * numbers, the ISO-8601 text SQLite's time columns keep, and 0/1 for a boolean.
 */
export interface ColumnReaders {
  /** An integer column (ids, epoch ms that are not record times) → a number. */
  int(value: unknown): number;
  /** A time column → the port's epoch ms. */
  time(value: unknown): number;
  /** A boolean column → true or false. */
  flag(value: unknown): boolean;
}

/** A nullable integer column: NULL stays null, so that `compact` drops it. */
export function nullableInt(read: ColumnReaders, value: unknown): number | null {
  return value === null || value === undefined ? null : read.int(value);
}
