import type Database from 'better-sqlite3';
import type { ShadowRecord } from '../../domain';
import type { ShadowRecordRepo } from '../port';
import { columnTime, recordTime } from './json';

/** One row per relayed request of a shadow template; the record itself as JSON (already masked). */
export function createSqliteShadowRecordRepo(db: Database.Database): ShadowRecordRepo {
  const insert = db.prepare(
    `INSERT INTO shadow_records (received_at, template, request_id, understood, record_json)
     VALUES (@receivedAt, @template, @requestId, @understood, @json)`,
  );
  return {
    async add(record) {
      const info = insert.run({
        receivedAt: columnTime(record.receivedAt),
        template: record.template,
        requestId: record.requestId,
        understood: record.understood ? 1 : 0,
        json: JSON.stringify(record),
      });
      return Number(info.lastInsertRowid);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 1_000_000 };
      if (filter.template !== undefined) {
        where.push('template = @template');
        params.template = filter.template;
      }
      if (filter.since !== undefined) {
        where.push('received_at >= @since');
        params.since = columnTime(filter.since);
      }
      const rows = db
        .prepare(`SELECT record_json FROM shadow_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT @limit`)
        .all(params) as Array<{ record_json: string }>;
      // Records written before times were epoch ms hold ISO text in their JSON.
      return rows.map((r) => {
        const record = JSON.parse(r.record_json) as Omit<ShadowRecord, 'receivedAt'> & { receivedAt: string | number };
        return { ...record, receivedAt: recordTime(record.receivedAt) };
      });
    },
  };
}
