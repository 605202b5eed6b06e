import type { ShadowRecord } from '../../domain';

export interface ShadowRecordFilter {
  template?: string;
  /** ISO time: records received at or after it. */
  since?: string;
  limit?: number;
}

/** What shadow mode keeps per request, and what the coverage report reads back. */
export interface ShadowRecordRepo {
  add(record: ShadowRecord): Promise<number>;
  list(filter?: ShadowRecordFilter): Promise<ShadowRecord[]>;
}

/** Kept in memory (tests, and until a store keeps them): newest last, bounded. */
export function createMemoryShadowRecords(max = 100_000): ShadowRecordRepo {
  const rows: ShadowRecord[] = [];
  return {
    async add(record) {
      rows.push(record);
      if (rows.length > max) rows.splice(0, rows.length - max);
      return rows.length;
    },
    async list(filter = {}) {
      const out = rows.filter((r) => (filter.template === undefined || r.template === filter.template) && (filter.since === undefined || r.receivedAt >= filter.since));
      return filter.limit ? out.slice(-filter.limit) : out;
    },
  };
}
