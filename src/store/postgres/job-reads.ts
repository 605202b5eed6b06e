import { sqlStateList, UNFINISHED_STATES } from '../../domain';
import type { Job, JobQueue } from '../port';
import { toJobRecord, type JobRowOf } from '../shared/job-rows';
import type { PgExecutor } from './pg-db';
import { recordTime } from './record-time';
import { limitOf } from './record-repos';
import { fromJson, num, PG_COLUMNS, whereOf } from './rows';

const UNFINISHED = sqlStateList(UNFINISHED_STATES);

/** A `jobs` row as node-postgres hands it over: BIGINT as text (a number from our own rows), real booleans. */
export type JobRow = JobRowOf<string | number, string | number, boolean>;

export function toJob(row: JobRow): Job {
  return toJobRecord(row, PG_COLUMNS, fromJson(row.last_error_json));
}

/** The job queue's read side: listing, counting, the next wake-up (from the lanes: one index step per rank). */
export function createPgJobReads(
  db: PgExecutor,
): Pick<JobQueue, 'get' | 'list' | 'countByState' | 'oldestPendingCreatedAt' | 'pendingForUser' | 'nextDueAt' | 'countPending'> {
  return {
    async get(id) {
      const { rows } = await db.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
      return rows[0] ? toJob(rows[0]) : undefined;
    },
    async list(filter = {}) {
      const states = filter.state === undefined ? undefined : Array.isArray(filter.state) ? filter.state : [filter.state];
      const { where, params } = whereOf([
        states ? ['state = ANY(?)', states] : undefined,
        filter.userId ? ['user_id = ?', filter.userId] : undefined,
        filter.template ? ['template = ?', filter.template] : undefined,
      ]);
      const { rows } = await db.query<JobRow>(
        `SELECT * FROM jobs ${where} ORDER BY id DESC LIMIT ${limitOf(filter.limit, 100)} OFFSET ${limitOf(filter.offset, 0)}`,
        params,
      );
      return rows.map(toJob);
    },
    async countByState() {
      const { rows } = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM jobs GROUP BY state');
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    async oldestPendingCreatedAt() {
      // The oldest unfinished job is always some user's head.
      const { rows } = await db.query<{ at: string }>('SELECT created_at AS at FROM jobs WHERE id = (SELECT min(head_job_id) FROM lanes)');
      return rows[0] ? recordTime(rows[0].at) : undefined;
    },
    async pendingForUser(userId, limit = 100) {
      const { rows } = await db.query<JobRow>(`SELECT * FROM jobs WHERE user_id = $1 AND state IN ${UNFINISHED} ORDER BY id LIMIT $2`, [userId, limit]);
      return rows.map(toJob);
    },
    async nextDueAt() {
      const { rows } = await db.query<{ at: string | null }>(
        'SELECT LEAST((SELECT min(due_at) FROM lanes WHERE rank = 0), (SELECT min(due_at) FROM lanes WHERE rank = 1)) AS at',
      );
      return rows[0]?.at === null || rows[0]?.at === undefined ? undefined : num(rows[0].at);
    },
    async countPending() {
      return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE state IN ${UNFINISHED}`)).rows[0].n;
    },
  };
}
