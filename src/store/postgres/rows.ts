/** Row helpers shared by the PostgreSQL repositories. */

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

/** BIGINT and numeric columns arrive as text from node-postgres; ids and epoch ms fit a double. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function optionalNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

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
