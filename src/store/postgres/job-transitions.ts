import { canTransition, type Clock, type JobState } from '../../domain';
import type { JobQueue } from '../port';
import { conflict } from '../shared/job-errors';
import { moveInPages } from '../shared/job-pages';
import { auditJob } from './job-audit';
import type { JobRow } from './job-reads';
import type { PgDb, PgExecutor } from './pg-db';
import { num } from './rows';

/**
 * Moves of jobs no worker holds (operator retry/cancel, resume, recovery) and enqueue. Each
 * locks the lane of the job's user before reading the job, as the claim path does, so the lane
 * trigger reads the head after the lock and two writers of one user never interleave.
 */
// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md)
export function createPgJobTransitions(
  db: PgDb,
  clock: Clock,
): Pick<JobQueue, 'transition' | 'transitionMatching' | 'resumeParked' | 'expireLeasesOf' | 'enqueue'> {
  const transitionOne = async (
    q: PgExecutor,
    id: number,
    from: readonly JobState[],
    to: JobState,
    nextRunAt: number | undefined,
    now: number,
    actor: string,
  ) => {
    await q.query('SELECT 1 FROM lanes WHERE user_id = (SELECT user_id FROM jobs WHERE id = $1) FOR UPDATE', [id]);
    const row = (await q.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id])).rows[0];
    if (!row || !from.includes(row.state)) return false;
    if (!canTransition(row.state, to)) throw conflict(id, `a job cannot go from ${row.state} to ${to}`);
    const moved = await q.query(
      `UPDATE jobs SET state = $2, next_run_at = COALESCE($3, next_run_at), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = $4
       WHERE id = $1 AND state = $5`,
      [id, to, nextRunAt ?? null, now, row.state],
    );
    if (moved.rowCount !== 1) return false;
    await auditJob(q, row, { from: row.state, to, at: now, actor });
    return true;
  };

  return {
    async transition(id, change, actor = 'system') {
      if (!change.from.length) return false;
      return db.atomic((q) => transitionOne(q, id, change.from, change.to, change.nextRunAt, change.now, actor));
    },
    async transitionMatching(filter, change, actor = 'system') {
      return moveInPages(
        change.batchSize ?? 500,
        async (after, limit) => {
          const { rows } = await db.query<{ id: string }>(
            `SELECT id FROM jobs WHERE state = $1 AND ($2::text IS NULL OR template = $2)
               AND ($3::text IS NULL OR last_error_json::jsonb ->> 'code' = $3 OR last_error_json::jsonb ->> 'webexErrorCode' = $3)
               AND id > $4 ORDER BY id LIMIT $5`,
            [filter.state, filter.template ?? null, filter.errorCode ?? null, after, limit],
          );
          return rows.map((r) => num(r.id));
        },
        (ids) =>
          db.atomic(async (q) => {
            let moved = 0;
            for (const id of ids) if (await transitionOne(q, id, [filter.state], change.to, change.nextRunAt, change.now, actor)) moved++;
            return moved;
          }),
      );
    },
    async resumeParked(now, actor = 'system') {
      return db.atomic(async (q) => {
        await q.query("SELECT 1 FROM lanes WHERE state = 'awaiting_credentials' ORDER BY user_id FOR UPDATE");
        await q.query(
          `INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json)
           SELECT $1, $2, 'job', id::text, 'state', '{"state":"awaiting_credentials"}', json_build_object('state', 'queued', 'kind', kind, 'userId', user_id)::text
           FROM jobs WHERE state = 'awaiting_credentials'`,
          [now, actor],
        );
        const res = await q.query("UPDATE jobs SET state = 'queued', next_run_at = $1, updated_at = $1 WHERE state = 'awaiting_credentials'", [now]);
        return res.rowCount ?? 0;
      });
    },
    async expireLeasesOf(owner, now) {
      return db.atomic(async (q) => {
        await q.query('SELECT 1 FROM lanes WHERE lease_owner = $1 ORDER BY user_id FOR UPDATE', [owner]);
        const res = await q.query("UPDATE jobs SET lease_expires_at = $2, updated_at = $2 WHERE state = 'running' AND lease_owner = $1", [owner, now]);
        return res.rowCount ?? 0;
      });
    },
    async enqueue(job) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, last_error_json, tracking_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, false, $8, $9, $10, $11, $11) RETURNING id`,
        [
          job.eventId,
          job.kind,
          job.template,
          job.userId,
          job.enterpriseId,
          job.state ?? 'queued',
          job.nextRunAt,
          JSON.stringify(job.payload),
          job.lastError ? JSON.stringify(job.lastError) : null,
          job.trackingId ?? null,
          clock.now(),
        ],
      );
      return num(rows[0].id);
    },
  };
}
