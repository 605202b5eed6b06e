import type { ColumnReaders } from '../shared/column-readers';
import { recordTime } from './record-time';

/** Row helpers shared by the PostgreSQL repositories; the ones SQLite shares too live in ../shared/rows. */
export { compact, fromJson, toJson } from '../shared/rows';

/** BIGINT and numeric columns arrive as text from node-postgres; ids and epoch ms fit a double. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** How node-postgres hands columns to the shared row mappers: BIGINT as text, epoch-ms times, real booleans. */
export const PG_COLUMNS: ColumnReaders = {
  int: num,
  time: (value) => recordTime(value as number | string),
  flag: (value) => value === true,
};

/** WHERE clause and parameters from optional conditions, numbered from $1. */
export function whereOf(conditions: Array<[string, unknown] | [string] | undefined>): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const c of conditions) {
    if (!c) continue;
    if (c.length === 1) {
      parts.push(c[0]);
      continue;
    }
    params.push(c[1]);
    parts.push(c[0].replace(/\?/g, `$${params.length}`));
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
