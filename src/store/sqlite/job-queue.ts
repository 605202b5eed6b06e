import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canTransition, CLAIMABLE_STATES, isAuditedTransition, type Clock, type JobState } from '../../domain';
import type { ClaimedJob, JobError, JobQueue, Lease } from '../port';
import { jobStateAudit } from '../shared/audit-entries';
import { conflict, leaseLost } from '../shared/job-errors';
import { moveInPages } from '../shared/job-pages';
import { auditWriter } from './audit-writer';
import { createRelaxedWriter } from './durability';
import { columnTime, toJson } from './json';
import { createJobReads, toJob, type JobRow } from './job-reads';

/**
 * The job queue. The head of each user's queue is its oldest unfinished job: per-user order is
 * kept by never handing out a later job while an earlier one is unfinished. job_heads (kept by
 * triggers, migration 2) holds exactly those heads, indexed by state and due time, so a claim
 * reads O(limit) rows however many jobs are queued. A running head's entry carries its lease
 * expiry instead of its due time: an expired lease is found with the same index and taken over.
 */
// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md); prepared statements are shared
export function createSqliteJobQueue(db: Database.Database, clock: Clock): JobQueue {
  const iso = columnTime;
  const dueHeadsIn = db.prepare(`
    SELECT j.* FROM job_heads h JOIN jobs j ON j.id = h.job_id
    WHERE h.state = ? AND h.next_run_at <= ?
    ORDER BY h.next_run_at, h.job_id LIMIT ?`);
  // Due status polls first: they are cheap and finish jobs (a backlog of 100,000 new users must
  // not leave those already created unpolled); then taken-over, retried and new work by due time.
  const dueHeads = (now: number, limit: number): JobRow[] => {
    const polls = dueHeadsIn.all('polling', now, limit) as JobRow[];
    if (polls.length >= limit) return polls;
    const rest = ['running', ...CLAIMABLE_STATES.filter((s) => s !== 'polling')].flatMap((s) => dueHeadsIn.all(s, now, limit) as JobRow[]);
    rest.sort((a, b) => a.next_run_at - b.next_run_at || a.id - b.id);
    return [...polls, ...rest].slice(0, limit);
  };
  const take = db.prepare(`UPDATE jobs SET state = 'running', lease_owner = @owner, lease_token = @token, lease_expires_at = @expiresAt,
      lookup_first = CASE WHEN state = 'running' THEN 1 ELSE lookup_first END, updated_at = @at
    WHERE id = @id AND state = @state AND lease_token IS @previous`);
  const getStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, last_error_json, tracking_id, created_at, updated_at)
     VALUES (@eventId, @kind, @template, @userId, @enterpriseId, @state, 0, @nextRunAt, 0, @payload, @lastError, @trackingId, @now, @now)`,
  );
  const renewStmt = db.prepare("UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_token = ?");
  // One statement per outcome: the token in the WHERE clause is the guard.
  const finish = db.prepare(`UPDATE jobs SET state = @to, attempts = COALESCE(@attempts, attempts), next_run_at = COALESCE(@nextRunAt, next_run_at),
      payload_json = COALESCE(@payload, payload_json), last_error_json = COALESCE(@lastError, last_error_json), tracking_id = COALESCE(@trackingId, tracking_id),
      lookup_first = COALESCE(@lookupFirst, lookup_first), lease_owner = CASE WHEN @to = 'running' THEN lease_owner END,
      lease_token = CASE WHEN @to = 'running' THEN lease_token END, lease_expires_at = CASE WHEN @to = 'running' THEN lease_expires_at END, updated_at = @at
    WHERE id = @id AND state = 'running' AND lease_token = @token`);
  const writeAudit = auditWriter(db);
  const relaxed = createRelaxedWriter(db);

  function audit(
    row: Pick<JobRow, 'id' | 'kind' | 'user_id'>,
    from: JobState,
    to: JobState,
    at: number,
    actor: string,
    error?: JobError,
    trackingId?: string,
  ): void {
    const entry = jobStateAudit(row, { from, to, actor, error, trackingId });
    if (entry) writeAudit({ ...entry, at: iso(at) });
  }

  const claimTx = db.transaction((owner: string, leaseMs: number, limit: number, now: number): ClaimedJob[] => {
    const claimed: ClaimedJob[] = [];
    for (const row of dueHeads(now, limit)) {
      const token = randomUUID();
      const expiresAt = now + leaseMs;
      const info = take.run({ owner, token, expiresAt, at: iso(now), id: row.id, state: row.state, previous: row.lease_token });
      if (info.changes !== 1) continue;
      // The row as the UPDATE left it, without reading it again.
      const taken: JobRow = {
        ...row,
        state: 'running',
        lease_owner: owner,
        lease_token: token,
        lease_expires_at: expiresAt,
        lookup_first: row.state === 'running' ? 1 : row.lookup_first,
        updated_at: iso(now),
      };
      claimed.push({ ...toJob(taken), lease: { jobId: row.id, owner, token, expiresAt } });
    }
    return claimed;
  });

  type Finish = {
    to: JobState;
    attempts?: number;
    nextRunAt?: number;
    payload?: Record<string, unknown>;
    lastError?: JobError;
    trackingId?: string;
    lookupFirst?: boolean;
  };
  const finishTx = db.transaction((lease: Lease, change: Finish, now: number, actor: string, action: string) => {
    // Read only for an audited end (a failure, a parking): done, retries and polls are the hot path.
    const audited = isAuditedTransition('running', change.to);
    const row = audited ? (getStmt.get(lease.jobId) as JobRow | undefined) : undefined;
    const info = finish.run({
      id: lease.jobId,
      token: lease.token,
      to: change.to,
      attempts: change.attempts ?? null,
      nextRunAt: change.nextRunAt ?? null,
      payload: change.payload === undefined ? null : JSON.stringify(change.payload),
      lastError: toJson(change.lastError),
      trackingId: change.trackingId ?? null,
      lookupFirst: change.lookupFirst === undefined ? null : change.lookupFirst ? 1 : 0,
      at: iso(now),
    });
    if (info.changes !== 1) throw leaseLost(lease, action);
    if (row) audit(row, 'running', change.to, now, actor, change.lastError, change.trackingId);
  });

  const coalesceTx = db.transaction((lease: Lease, plan: { coalesced: number[]; run?: number; now: number }, actor: string): ClaimedJob | undefined => {
    const head = getStmt.get(lease.jobId) as JobRow | undefined;
    if (!head || head.state !== 'running' || head.lease_token !== lease.token) throw leaseLost(lease, 'coalesce');
    const at = iso(plan.now);
    let handed: ClaimedJob | undefined;
    if (plan.run !== undefined && plan.run !== lease.jobId) {
      const run = getStmt.get(plan.run) as JobRow | undefined;
      if (!run || run.user_id !== head.user_id || !canTransition(run.state, 'running')) throw conflict(plan.run, 'cannot run it in place of its head');
      db.prepare("UPDATE jobs SET state = 'running', lease_owner = ?, lease_token = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?").run(
        lease.owner,
        lease.token,
        lease.expiresAt,
        at,
        plan.run,
      );
      handed = { ...toJob(getStmt.get(plan.run) as JobRow), lease: { ...lease, jobId: plan.run } };
    }
    for (const id of plan.coalesced) {
      const row = getStmt.get(id) as JobRow | undefined;
      if (!row || row.user_id !== head.user_id || !canTransition(row.state, 'coalesced')) throw conflict(id, 'cannot coalesce it');
      db.prepare("UPDATE jobs SET state = 'coalesced', lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?").run(
        at,
        id,
      );
      audit(row, row.state, 'coalesced', plan.now, actor);
    }
    if (plan.run === lease.jobId) handed = { ...toJob(getStmt.get(lease.jobId) as JobRow), lease };
    return handed;
  });

  const transitionTx = db.transaction(
    (id: number, from: readonly JobState[], to: JobState, nextRunAt: number | undefined, now: number, actor: string): boolean => {
      const row = getStmt.get(id) as JobRow | undefined;
      if (!row || !from.includes(row.state)) return false;
      if (!canTransition(row.state, to)) throw conflict(id, `a job cannot go from ${row.state} to ${to}`);
      const info = db
        .prepare(
          'UPDATE jobs SET state = ?, next_run_at = COALESCE(?, next_run_at), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND state = ?',
        )
        .run(to, nextRunAt ?? null, iso(now), id, row.state);
      if (info.changes !== 1) return false;
      audit(row, row.state, to, now, actor);
      return true;
    },
  );

  const matchingBatch = db.prepare(`SELECT id FROM jobs WHERE state = @state AND (@template IS NULL OR template = @template)
      AND (@errorCode IS NULL OR json_extract(last_error_json, '$.code') = @errorCode OR json_extract(last_error_json, '$.webexErrorCode') = @errorCode)
      AND id > @after ORDER BY id LIMIT @limit`);

  return {
    ...createJobReads(db),
    async claim({ owner, leaseMs, limit, now }) {
      if (limit <= 0) return [];
      return relaxed(claimTx.immediate)(owner, leaseMs, limit, now);
    },
    async renew(lease, { leaseMs, now }) {
      const expiresAt = now + leaseMs;
      if (relaxed(() => renewStmt.run(expiresAt, iso(now), lease.jobId, lease.token))().changes !== 1) throw leaseLost(lease, 'renew');
      return { ...lease, expiresAt };
    },
    async complete(lease, result) {
      relaxed(finishTx.immediate)(lease, { ...result, to: 'done' }, result.now, 'system', 'complete');
    },
    async fail(lease, result, actor = 'pipeline') {
      relaxed(finishTx.immediate)(lease, { ...result, to: result.to ?? 'failed' }, result.now, actor, 'fail');
    },
    async release(lease, result) {
      relaxed(finishTx.immediate)(lease, result, result.now, 'system', 'release');
    },
    async coalesce(lease, plan, actor = 'pipeline') {
      return relaxed(coalesceTx.immediate)(lease, plan, actor);
    },
    async transition(id, change, actor = 'system') {
      if (!change.from.length) return false;
      // Operator changes commit with the connection's FULL durability, not the relaxed writer.
      return transitionTx.immediate(id, change.from, change.to, change.nextRunAt, change.now, actor);
    },
    async transitionMatching(filter, change, actor = 'system') {
      return moveInPages(
        change.batchSize ?? 500,
        (after, limit) =>
          (
            matchingBatch.all({ state: filter.state, template: filter.template ?? null, errorCode: filter.errorCode ?? null, after, limit }) as Array<{
              id: number;
            }>
          ).map((r) => r.id),
        async (ids) => {
          let moved = 0;
          db.transaction(() => {
            for (const id of ids) if (transitionTx(id, [filter.state], change.to, change.nextRunAt, change.now, actor)) moved++;
          }).immediate();
          // A turn of the event loop between pages, so a long bulk change does not hold it.
          await new Promise((resolve) => setImmediate(resolve));
          return moved;
        },
      );
    },
    async resumeParked(now, actor = 'system') {
      // Two statements, one transaction: the audit rows, then the move, both by the same WHERE.
      return db
        .transaction(() => {
          db.prepare(
            `INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json)
           SELECT @at, @actor, 'job', CAST(id AS TEXT), 'state', '{"state":"awaiting_credentials"}', json_object('state', 'queued', 'kind', kind, 'userId', user_id)
           FROM jobs WHERE state = 'awaiting_credentials'`,
          ).run({ at: iso(now), actor });
          return db.prepare("UPDATE jobs SET state = 'queued', next_run_at = ?, updated_at = ? WHERE state = 'awaiting_credentials'").run(now, iso(now))
            .changes;
        })
        .immediate();
    },
    async expireLeasesOf(owner, now) {
      return db.prepare("UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE state = 'running' AND lease_owner = ?").run(now, iso(now), owner).changes;
    },
    async enqueue(job) {
      const now = clock.now();
      const info = insert.run({
        eventId: job.eventId,
        kind: job.kind,
        template: job.template,
        userId: job.userId,
        enterpriseId: job.enterpriseId,
        state: job.state ?? 'queued',
        nextRunAt: job.nextRunAt,
        payload: JSON.stringify(job.payload),
        lastError: job.lastError ? JSON.stringify(job.lastError) : null,
        trackingId: job.trackingId ?? null,
        now: iso(now),
      });
      return Number(info.lastInsertRowid);
    },
  };
}
