import type Database from 'better-sqlite3';
import { CLAIMABLE_STATES, sqlStateList, UNFINISHED_STATES } from '../../domain';
import type { Job, JobError, JobQueue } from '../port';
import { compact, fromJson, recordTime } from './json';

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

export interface JobRow {
  id: number;
  event_id: number;
  kind: Job['kind'];
  template: string;
  user_id: string;
  enterprise_id: string;
  state: Job['state'];
  attempts: number;
  next_run_at: number;
  lookup_first: number;
  payload_json: string;
  last_error_json: string | null;
  tracking_id: string | null;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  created_at: string;
  updated_at: string;
}

export function toJob(row: JobRow): Job {
  return compact({
    id: row.id,
    eventId: row.event_id,
    kind: row.kind,
    template: row.template,
    userId: row.user_id,
    enterpriseId: row.enterprise_id,
    state: row.state,
    attempts: row.attempts,
    nextRunAt: row.next_run_at,
    lookupFirst: row.lookup_first === 1,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    lastError: toJobError(fromJson(row.last_error_json)) ?? null,
    trackingId: row.tracking_id,
    leaseOwner: row.state === 'running' ? row.lease_owner : null,
    createdAt: recordTime(row.created_at),
    updatedAt: recordTime(row.updated_at),
  }) as Job;
}

/** A stored JobError: `at` is ISO text in rows written before times were epoch ms. */
function toJobError(stored: (Omit<JobError, 'at'> & { at: string | number }) | undefined): JobError | undefined {
  return stored && { ...stored, at: recordTime(stored.at) };
}
