/**
 * How many rows a filtered list has in all, for "showing 100 of 2,345". The store port has no
 * filtered count yet, so this pages through the same list query (10,000 rows a page, ids only
 * kept); the admin lists are operator reads, not a hot path.
 */
export async function countMatching<F extends { limit?: number; offset?: number }>(list: (filter: F) => Promise<unknown[]>, filter: F): Promise<number> {
  const page = 10_000;
  let total = 0;
  for (let offset = 0; ; offset += page) {
    const rows = await list({ ...filter, limit: page, offset });
    total += rows.length;
    if (rows.length < page) return total;
  }
}

/** The page asked for and the total: the total only costs a second query when the page is full. */
export async function listWithTotal<F extends { limit?: number; offset?: number }, T>(
  list: (filter: F) => Promise<T[]>,
  filter: F,
): Promise<{ rows: T[]; total: number }> {
  const rows = await list(filter);
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  if (rows.length < limit) return { rows, total: offset + rows.length };
  return { rows, total: await countMatching(list, { ...filter, limit: undefined, offset: undefined }) };
}
