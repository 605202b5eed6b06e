import { canTransition, isAuditedTransition, type JobState } from '../../domain';
import type { ClaimedJob, JobQueue, JobResult, Lease } from '../port';
import { conflict, leaseLost } from '../shared/job-errors';
import { auditJob } from './job-audit';
import { toJob, type JobRow } from './job-reads';
import type { PgDb, PgExecutor } from './pg-db';
import { num, toJson } from './rows';

/**
 * A claim is one statement. Ready lanes are locked with SKIP LOCKED, so instances claiming at
 * once each get other lanes and never wait for each other: due status polls first (they are
 * cheap and finish jobs), then taken-over, retried and new work by due time. Each head gets a
 * fresh token; the lane trigger copies the lease onto the lane.
 */
const CLAIM = `
  WITH polls AS (
    SELECT user_id, head_job_id, rank, due_at FROM lanes WHERE rank = 0 AND due_at <= $1
    ORDER BY due_at, head_job_id LIMIT $2 FOR UPDATE SKIP LOCKED
  ), rest AS (
    SELECT user_id, head_job_id, rank, due_at FROM lanes WHERE rank = 1 AND due_at <= $1
    ORDER BY due_at, head_job_id LIMIT GREATEST(0, $2 - (SELECT count(*) FROM polls)) FOR UPDATE SKIP LOCKED
  ), picked AS (SELECT * FROM polls UNION ALL SELECT * FROM rest)
  UPDATE jobs j SET state = 'running', lease_owner = $3, lease_token = gen_random_uuid(), lease_expires_at = $4,
    lookup_first = j.lookup_first OR j.state = 'running', updated_at = $1
  FROM picked p WHERE j.id = p.head_job_id AND j.state IN ('polling', 'retry_wait', 'queued', 'running')
  RETURNING j.*, p.rank AS claim_rank, p.due_at AS claim_due`;

/** The lane is locked (by the lease's token) before its job: every writer of a claimed job takes the two in that order. */
const LOCK_LANE = 'lane AS (SELECT user_id FROM lanes WHERE lease_token = $2 FOR UPDATE)';

const RENEW = `WITH ${LOCK_LANE}
  UPDATE jobs SET lease_expires_at = $3, updated_at = $4 WHERE id = $1 AND state = 'running' AND lease_token = $2 AND EXISTS (SELECT 1 FROM lane)
  RETURNING id`;

const FINISH = `WITH ${LOCK_LANE}
  UPDATE jobs SET state = $3, attempts = COALESCE($4, attempts), next_run_at = COALESCE($5, next_run_at), payload_json = COALESCE($6, payload_json),
    last_error_json = COALESCE($7, last_error_json), tracking_id = COALESCE($8, tracking_id), lookup_first = COALESCE($9, lookup_first),
    lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = $10
  WHERE id = $1 AND state = 'running' AND lease_token = $2 AND EXISTS (SELECT 1 FROM lane)
  RETURNING id, kind, user_id`;

type Finish = JobResult & { to: Exclude<JobState, 'running'>; nextRunAt?: number };

export function createPgJobClaims(db: PgDb): Pick<JobQueue, 'claim' | 'renew' | 'complete' | 'fail' | 'release' | 'coalesce'> {
  const finish = async (lease: Lease, change: Finish, now: number, actor: string, action: string): Promise<void> => {
    const run = async (q: PgExecutor) => {
      const { rows } = await q.query<Pick<JobRow, 'id' | 'kind' | 'user_id'>>(FINISH, [
        lease.jobId,
        lease.token,
        change.to,
        change.attempts ?? null,
        change.nextRunAt ?? null,
        change.payload === undefined ? null : JSON.stringify(change.payload),
        toJson(change.lastError),
        change.trackingId ?? null,
        change.lookupFirst ?? null,
        now,
      ]);
      if (!rows[0]) throw leaseLost(lease, action);
      await auditJob(q, rows[0], { from: 'running', to: change.to, at: now, actor, error: change.lastError, trackingId: change.trackingId });
    };
    // Done, retries and polls are one statement; an audited end (a failure, a parking) commits with its audit entry.
    return isAuditedTransition('running', change.to) ? db.atomic(run) : run(db);
  };

  return {
    async claim({ owner, leaseMs, limit, now }) {
      if (limit <= 0) return [];
      const { rows } = await db.query<JobRow & { claim_rank: number; claim_due: string }>(CLAIM, [now, limit, owner, now + leaseMs]);
      rows.sort((a, b) => a.claim_rank - b.claim_rank || num(a.claim_due) - num(b.claim_due) || num(a.id) - num(b.id));
      return rows.map((row): ClaimedJob => ({ ...toJob(row), lease: { jobId: num(row.id), owner, token: row.lease_token!, expiresAt: now + leaseMs } }));
    },
    async renew(lease, { leaseMs, now }) {
      const expiresAt = now + leaseMs;
      if (!(await db.query(RENEW, [lease.jobId, lease.token, expiresAt, now])).rows[0]) throw leaseLost(lease, 'renew');
      return { ...lease, expiresAt };
    },
    complete: (lease, result) => finish(lease, { ...result, to: 'done' }, result.now, 'system', 'complete'),
    fail: (lease, result, actor = 'pipeline') => finish(lease, { ...result, to: result.to ?? 'failed' }, result.now, actor, 'fail'),
    release: (lease, result) => finish(lease, result, result.now, 'system', 'release'),
    coalesce: (lease, plan, actor = 'pipeline') => db.atomic((q) => coalesceUnder(q, lease, plan, actor)),
  };
}

async function coalesceUnder(
  q: PgExecutor,
  lease: Lease,
  plan: { coalesced: number[]; run?: number; now: number },
  actor: string,
): Promise<ClaimedJob | undefined> {
  const locked = await q.query('SELECT user_id FROM lanes WHERE lease_token = $1 FOR UPDATE', [lease.token]);
  const get = async (id: number) => (await q.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id])).rows[0];
  const head = locked.rows[0] ? await get(lease.jobId) : undefined;
  if (!head || head.state !== 'running' || head.lease_token !== lease.token) throw leaseLost(lease, 'coalesce');
  let handed: ClaimedJob | undefined;
  if (plan.run !== undefined && plan.run !== lease.jobId) {
    const run = await get(plan.run);
    if (!run || run.user_id !== head.user_id || !canTransition(run.state, 'running')) throw conflict(plan.run, 'cannot run it in place of its head');
    const { rows } = await q.query<JobRow>(
      "UPDATE jobs SET state = 'running', lease_owner = $2, lease_token = $3, lease_expires_at = $4, updated_at = $5 WHERE id = $1 RETURNING *",
      [plan.run, lease.owner, lease.token, lease.expiresAt, plan.now],
    );
    handed = { ...toJob(rows[0]), lease: { ...lease, jobId: plan.run } };
  }
  for (const id of plan.coalesced) {
    const row = await get(id);
    if (!row || row.user_id !== head.user_id || !canTransition(row.state, 'coalesced')) throw conflict(id, 'cannot coalesce it');
    await q.query("UPDATE jobs SET state = 'coalesced', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = $2 WHERE id = $1", [
      id,
      plan.now,
    ]);
    await auditJob(q, row, { from: row.state, to: 'coalesced', at: plan.now, actor });
  }
  if (plan.run === lease.jobId) handed = { ...toJob(await get(lease.jobId)), lease };
  return handed;
}
