import type Database from 'better-sqlite3';
import { ENDED_STATES, sqlStateList } from '../../domain';
import type { RetentionSweeper } from '../port';
import { columnTime } from './json';

const DAY_MS = 86_400_000;

/**
 * Deletes what is past retention, `batchSize` rows per statement with a yield to the event
 * loop in between, so ingest never waits behind a long delete. Ended jobs go first, then the
 * events no unfinished job hangs off, then the requests no event references any more.
 */
export function createSqliteRetention(db: Database.Database): RetentionSweeper {
  const ended = sqlStateList(ENDED_STATES);
  const statements: Array<{ table: string; days: 'dataDays' | 'auditDays'; stmt: Database.Statement }> = [
    {
      table: 'jobs',
      days: 'dataDays',
      stmt: db.prepare(`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ${ended} AND updated_at < @cutoff LIMIT @limit)`),
    },
    {
      table: 'inbound_events',
      days: 'dataDays',
      stmt: db.prepare(
        `DELETE FROM inbound_events WHERE id IN (SELECT e.id FROM inbound_events e WHERE e.received_at < @cutoff
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id AND j.state NOT IN ${ended}) LIMIT @limit)`,
      ),
    },
    {
      table: 'requests',
      days: 'dataDays',
      stmt: db.prepare(
        `DELETE FROM requests WHERE id IN (SELECT r.id FROM requests r WHERE r.received_at < @cutoff
           AND NOT EXISTS (SELECT 1 FROM inbound_events e WHERE e.request_ref = r.id) LIMIT @limit)`,
      ),
    },
    {
      table: 'webex_calls',
      days: 'dataDays',
      stmt: db.prepare('DELETE FROM webex_calls WHERE id IN (SELECT id FROM webex_calls WHERE at < @cutoff LIMIT @limit)'),
    },
    {
      table: 'shadow_records',
      days: 'dataDays',
      stmt: db.prepare('DELETE FROM shadow_records WHERE id IN (SELECT id FROM shadow_records WHERE received_at < @cutoff LIMIT @limit)'),
    },
    {
      table: 'unknown_requests',
      days: 'dataDays',
      stmt: db.prepare('DELETE FROM unknown_requests WHERE id IN (SELECT id FROM unknown_requests WHERE received_at < @cutoff LIMIT @limit)'),
    },
    { table: 'audit', days: 'auditDays', stmt: db.prepare('DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < @cutoff LIMIT @limit)') },
  ];
  return {
    async sweep(policy, now) {
      const deleted: Record<string, number> = {};
      for (const { table, days, stmt } of statements) {
        const cutoff = columnTime(now - policy[days] * DAY_MS);
        deleted[table] = 0;
        for (;;) {
          if (!db.open) return deleted;
          const n = stmt.run({ cutoff, limit: policy.batchSize }).changes;
          deleted[table] += n;
          if (n < policy.batchSize) break;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      return deleted;
    },
  };
}
