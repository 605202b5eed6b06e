import type { JobQueue } from '../port';

/**
 * `transitionMatching`'s walk on both stores: the matching ids a page at a time in id order,
 * each page moved in its own short transaction, so ingest never waits behind a long bulk change.
 * `nextPage` reads the ids after `after`; `movePage` moves them and says how many it moved.
 */
export async function moveInPages(
  pageSize: number,
  nextPage: (after: number, limit: number) => number[] | Promise<number[]>,
  movePage: (ids: number[]) => number | Promise<number>,
): ReturnType<JobQueue['transitionMatching']> {
  let after = 0;
  let matched = 0;
  let moved = 0;
  for (;;) {
    const page = nextPage(after, pageSize);
    // SQLite reads synchronously: not awaiting its page keeps its read and its move in one turn, as they were.
    const ids = Array.isArray(page) ? page : await page;
    if (!ids.length) break;
    matched += ids.length;
    moved += await movePage(ids);
    after = ids[ids.length - 1]!;
  }
  return { matched, moved };
}
