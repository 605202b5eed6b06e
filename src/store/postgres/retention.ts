import { ENDED_STATES, HEAD_STATES, sqlStateList } from '../../domain';
import type { RetentionSweeper } from '../port';
import type { PgDb } from './pg-db';

const DAY_MS = 86_400_000;

/**
 * Deletes what is past retention, `batchSize` rows per statement (each its own short
 * transaction), so ingest never waits behind a long delete. Ended jobs go first, then the events
 * no unfinished job hangs off, then the requests no event references any more.
 */
export function createPgRetention(db: PgDb, isOpen: () => boolean): RetentionSweeper {
  const ended = sqlStateList(ENDED_STATES);
  const open = sqlStateList(HEAD_STATES);
  const statements: Array<{ table: string; days: 'dataDays' | 'auditDays'; sql: string }> = [
    {
      table: 'jobs',
      days: 'dataDays',
      sql: `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ${ended} AND updated_at < $1 LIMIT $2)`,
    },
    {
      table: 'inbound_events',
      days: 'dataDays',
      sql: `DELETE FROM inbound_events WHERE id IN (SELECT e.id FROM inbound_events e WHERE e.received_at < $1
              AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id AND j.state IN ${open}) LIMIT $2)`,
    },
    {
      table: 'requests',
      days: 'dataDays',
      sql: `DELETE FROM requests WHERE id IN (SELECT r.id FROM requests r WHERE r.received_at < $1
              AND NOT EXISTS (SELECT 1 FROM inbound_events e WHERE e.request_ref = r.id) LIMIT $2)`,
    },
    { table: 'webex_calls', days: 'dataDays', sql: 'DELETE FROM webex_calls WHERE id IN (SELECT id FROM webex_calls WHERE at < $1 LIMIT $2)' },
    {
      table: 'shadow_records',
      days: 'dataDays',
      sql: 'DELETE FROM shadow_records WHERE id IN (SELECT id FROM shadow_records WHERE received_at < $1 LIMIT $2)',
    },
    {
      table: 'unknown_requests',
      days: 'dataDays',
      sql: 'DELETE FROM unknown_requests WHERE id IN (SELECT id FROM unknown_requests WHERE received_at < $1 LIMIT $2)',
    },
    { table: 'audit', days: 'auditDays', sql: 'DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 LIMIT $2)' },
  ];
  return {
    async sweep(policy, now) {
      const deleted: Record<string, number> = {};
      for (const { table, days, sql } of statements) {
        const cutoff = now - policy[days] * DAY_MS;
        deleted[table] = 0;
        for (;;) {
          if (!isOpen()) return deleted;
          const n = (await db.query(sql, [cutoff, policy.batchSize])).rowCount ?? 0;
          deleted[table] += n;
          if (n < policy.batchSize) break;
        }
      }
      return deleted;
    },
  };
}
