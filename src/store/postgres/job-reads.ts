import { sqlStateList, UNFINISHED_STATES } from '../../domain';
import type { Job, JobQueue } from '../port';
import type { PgExecutor } from './pg-db';
import { recordTime } from './record-time';
import { limitOf } from './record-repos';
import { compact, fromJson, num, whereOf } from './rows';

const UNFINISHED = sqlStateList(UNFINISHED_STATES);

export interface JobRow {
  id: string | number;
  event_id: string | number;
  kind: Job['kind'];
  template: string;
  user_id: string;
  enterprise_id: string;
  state: Job['state'];
  attempts: number;
  next_run_at: string | number;
  lookup_first: boolean;
  payload_json: string;
  last_error_json: string | null;
  tracking_id: string | null;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: string | number | null;
  created_at: string | number;
  updated_at: string | number;
}

export function toJob(row: JobRow): Job {
  return compact({
    id: num(row.id),
    eventId: num(row.event_id),
    kind: row.kind,
    template: row.template,
    userId: row.user_id,
    enterpriseId: row.enterprise_id,
    state: row.state,
    attempts: row.attempts,
    nextRunAt: num(row.next_run_at),
    lookupFirst: row.lookup_first === true,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    lastError: fromJson(row.last_error_json),
    trackingId: row.tracking_id,
    leaseOwner: row.state === 'running' ? row.lease_owner : null,
    createdAt: recordTime(row.created_at),
    updatedAt: recordTime(row.updated_at),
  }) as Job;
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
