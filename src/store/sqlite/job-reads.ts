import type Database from 'better-sqlite3';
import { CLAIMABLE_STATES, sqlStateList, UNFINISHED_STATES } from '../../domain';
import type { Job, JobError, JobQueue } from '../port';
import { toJobRecord, type JobRowOf } from '../shared/job-rows';
import { fromJson, recordTime, SQLITE_COLUMNS } from './json';

const UNFINISHED = sqlStateList(UNFINISHED_STATES);

/** The job queue's read side: listing, counting, the next wake-up. */
export function createJobReads(
  db: Database.Database,
): Pick<JobQueue, 'get' | 'list' | 'countByState' | 'oldestPendingCreatedAt' | 'pendingForUser' | 'nextDueAt' | 'countPending'> {
  const getStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const pendingForUserStmt = db.prepare(`SELECT * FROM jobs WHERE user_id = ? AND state IN ${UNFINISHED} ORDER BY id LIMIT ?`);
  const oldestHead = db.prepare('SELECT j.created_at AS at FROM jobs j WHERE j.id = (SELECT MIN(job_id) FROM job_heads)');
  // One MIN per state: each is a single step down job_heads_state_due. A running head counts
  // with its lease expiry: that is when another worker may take it over.
  const nextDueStmt = db.prepare(
    `SELECT MIN(at) AS at FROM (${[...CLAIMABLE_STATES, 'running'].map((s) => `SELECT MIN(next_run_at) AS at FROM job_heads WHERE state = '${s}'`).join(' UNION ALL ')})`,
  );
  const countPendingStmt = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ${UNFINISHED}`);
  return {
    async get(id) {
      const row = getStmt.get(id) as JobRow | undefined;
      return row ? toJob(row) : undefined;
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 100, offset: filter.offset ?? 0 };
      if (filter.state) {
        const states = Array.isArray(filter.state) ? filter.state : [filter.state];
        where.push(`state IN (${states.map((_, i) => `@s${i}`).join(',')})`);
        states.forEach((s, i) => (params[`s${i}`] = s));
      }
      if (filter.userId) {
        where.push('user_id = @userId');
        params.userId = filter.userId;
      }
      if (filter.template) {
        where.push('template = @template');
        params.template = filter.template;
      }
      const rows = db
        .prepare(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
        .all(params) as JobRow[];
      return rows.map(toJob);
    },
    async countByState() {
      const rows = db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>;
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    async oldestPendingCreatedAt() {
      // The oldest unfinished job is always some user's head.
      return recordTime((oldestHead.get() as { at: string } | undefined)?.at);
    },
    async pendingForUser(userId, limit = 100) {
      return (pendingForUserStmt.all(userId, limit) as JobRow[]).map(toJob);
    },
    async nextDueAt() {
      return (nextDueStmt.get() as { at: number | null }).at ?? undefined;
    },
    async countPending() {
      return (countPendingStmt.get() as { n: number }).n;
    },
  };
}

/** A `jobs` row as better-sqlite3 hands it over: integers as numbers, times as ISO text, booleans as 0/1. */
export type JobRow = JobRowOf<number, string, number>;

export function toJob(row: JobRow): Job {
  return toJobRecord(row, SQLITE_COLUMNS, toJobError(fromJson(row.last_error_json)));
}

/** A stored JobError: `at` is ISO text in rows written before times were epoch ms. */
function toJobError(stored: (Omit<JobError, 'at'> & { at: string | number }) | undefined): JobError | undefined {
  return stored && { ...stored, at: recordTime(stored.at) };
}
