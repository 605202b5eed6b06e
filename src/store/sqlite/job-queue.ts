import type Database from 'better-sqlite3';
import type { Job, JobQueue } from '../port';
import { auditWriter } from './audit-writer';
import { createRelaxedWriter } from './durability';
import { compact, fromJson, nowIso, toJson } from './json';

const UNFINISHED = "('queued','running','retry_wait','polling')";

export function createSqliteJobQueue(db: Database.Database): JobQueue {
  // The head of each user's queue is its oldest unfinished job: per-user order is kept by
  // never handing out a later job while an earlier one is unfinished. job_heads (kept by
  // triggers, migration 2) holds exactly those heads, indexed by due time, so a claim reads
  // O(limit) rows however many jobs are queued.
  // Per state, so each read walks job_heads_state_due in order and stops at the limit.
  const dueHeadsIn = db.prepare(`
    SELECT j.* FROM job_heads h JOIN jobs j ON j.id = h.job_id
    WHERE h.state = ? AND h.next_run_at <= ?
    ORDER BY h.next_run_at, h.job_id LIMIT ?`);
  // Due status polls first: they are cheap and finish jobs (a backlog of 100,000 new users must
  // not leave those already created unpolled); then retries and new work by due time.
  const dueHeads = (now: number, limit: number): Row[] => {
    const polls = dueHeadsIn.all('polling', now, limit) as Row[];
    if (polls.length >= limit) return polls;
    const rest = [...(dueHeadsIn.all('retry_wait', now, limit) as Row[]), ...(dueHeadsIn.all('queued', now, limit) as Row[])];
    rest.sort((a, b) => a.next_run_at - b.next_run_at || a.id - b.id);
    return [...polls, ...rest].slice(0, limit);
  };
  const pendingForUserStmt = db.prepare(`SELECT * FROM jobs WHERE user_id = ? AND state IN ${UNFINISHED} ORDER BY id LIMIT ?`);
  const oldestHead = db.prepare('SELECT j.created_at AS at FROM jobs j WHERE j.id = (SELECT MIN(job_id) FROM job_heads)');
  // One MIN per state: each is a single step down job_heads_state_due.
  const nextDueStmt = db.prepare(`SELECT MIN(at) AS at FROM (
    SELECT MIN(next_run_at) AS at FROM job_heads WHERE state = 'queued'
    UNION ALL SELECT MIN(next_run_at) FROM job_heads WHERE state = 'retry_wait'
    UNION ALL SELECT MIN(next_run_at) FROM job_heads WHERE state = 'polling')`);
  const countPendingStmt = db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE state IN ${UNFINISHED}`);
  const markRunning = db.prepare("UPDATE jobs SET state = 'running', updated_at = ? WHERE id = ?");
  const getStmt = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, tracking_id, created_at, updated_at)
     VALUES (@eventId, @kind, @template, @userId, @enterpriseId, @state, 0, @nextRunAt, 0, @payload, @trackingId, @now, @now)`,
  );

  const relaxed = createRelaxedWriter(db);
  const updateStatements = new Map<string, Database.Statement>();
  const stateOf = db.prepare('SELECT state, kind, user_id FROM jobs WHERE id = ?');
  const writeAudit = auditWriter(db);
  // The audited transition commits with the state change, or neither does.
  const updateRun = relaxed(db.transaction((sql: string, params: Record<string, unknown>, id: number, patch: JobPatch, actor: string) => {
    const before = patch.state === undefined ? undefined : (stateOf.get(id) as Pick<Row, 'state' | 'kind' | 'user_id'> | undefined);
    let stmt = updateStatements.get(sql);
    if (!stmt) updateStatements.set(sql, (stmt = db.prepare(sql)));
    stmt.run(params);
    if (before && patch.state && isAudited(before.state, patch.state)) {
      const error = patch.state === 'failed' ? patch.lastError : undefined;
      writeAudit({
        at: nowIso(),
        actor,
        entityType: 'job',
        entityId: String(id),
        action: 'state',
        before: { state: before.state },
        after: compact({
          state: patch.state,
          kind: before.kind,
          userId: before.user_id,
          code: error?.code ?? null,
          httpStatus: error?.httpStatus ?? null,
          webexErrorCode: error?.webexErrorCode ?? null,
          description: error?.description ?? null,
        }),
        trackingId: error?.trackingId ?? patch.trackingId,
        detail: error?.message,
      });
    }
  }));
  const claim = relaxed(db.transaction((now: number, limit: number, exclude: ReadonlySet<string>) => {
    const rows = dueHeads(now, limit + exclude.size);
    const picked = rows.filter((r) => !exclude.has(r.user_id)).slice(0, limit);
    const at = nowIso();
    for (const row of picked) markRunning.run(at, row.id);
    return picked.map(toJob);
  }));

  return {
    async claimDue(now, limit, excludeUsers) {
      return claim(now, limit, excludeUsers);
    },
    async update(id, patch, actor = 'system') {
      const sets: string[] = ['updated_at = @updatedAt'];
      const params: Record<string, unknown> = { id, updatedAt: nowIso() };
      if (patch.state !== undefined) {
        sets.push('state = @state');
        params.state = patch.state;
      }
      if (patch.attempts !== undefined) {
        sets.push('attempts = @attempts');
        params.attempts = patch.attempts;
      }
      if (patch.nextRunAt !== undefined) {
        sets.push('next_run_at = @nextRunAt');
        params.nextRunAt = patch.nextRunAt;
      }
      if (patch.lookupFirst !== undefined) {
        sets.push('lookup_first = @lookupFirst');
        params.lookupFirst = patch.lookupFirst ? 1 : 0;
      }
      if (patch.payload !== undefined) {
        sets.push('payload_json = @payload');
        params.payload = JSON.stringify(patch.payload);
      }
      if (patch.lastError !== undefined) {
        sets.push('last_error_json = @lastError');
        params.lastError = toJson(patch.lastError);
      }
      if (patch.trackingId !== undefined) {
        sets.push('tracking_id = @trackingId');
        params.trackingId = patch.trackingId;
      }
      updateRun(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`, params, id, patch, actor);
    },
    async changeStateIf(id, from, to) {
      if (!from.length) return false;
      // Operator changes commit with the connection's FULL durability, not the relaxed writer.
      const info = db
        .prepare(`UPDATE jobs SET state = ?, next_run_at = COALESCE(?, next_run_at), updated_at = ? WHERE id = ? AND state IN (${from.map(() => '?').join(',')})`)
        .run(to.state, to.nextRunAt ?? null, nowIso(), id, ...from);
      return info.changes === 1;
    },
    async enqueue(job) {
      const info = insert.run({
        eventId: job.eventId,
        kind: job.kind,
        template: job.template,
        userId: job.userId,
        enterpriseId: job.enterpriseId,
        state: job.state ?? 'queued',
        nextRunAt: job.nextRunAt,
        payload: JSON.stringify(job.payload),
        trackingId: job.trackingId ?? null,
        now: nowIso(),
      });
      return Number(info.lastInsertRowid);
    },
    async get(id) {
      const row = getStmt.get(id) as Row | undefined;
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
        .all(params) as Row[];
      return rows.map(toJob);
    },
    async countByState() {
      const rows = db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>;
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    async oldestPendingCreatedAt() {
      // The oldest unfinished job is always some user's head.
      return (oldestHead.get() as { at: string } | undefined)?.at;
    },
    async pendingForUser(userId, limit = 100) {
      return (pendingForUserStmt.all(userId, limit) as Row[]).map(toJob);
    },
    async nextDueAt() {
      return (nextDueStmt.get() as { at: number | null }).at ?? undefined;
    },
    async countPending() {
      return (countPendingStmt.get() as { n: number }).n;
    },
    async recoverInFlight() {
      return db
        .prepare("UPDATE jobs SET state = 'queued', lookup_first = 1, updated_at = ? WHERE state = 'running'")
        .run(nowIso()).changes;
    },
  };
}

type JobPatch = Parameters<JobQueue['update']>[1];

const ENDED = new Set<string>(['failed', 'coalesced', 'cancelled']);
const RETRIABLE = new Set<string>(['failed', 'cancelled']);

/** Jobs ending without being done, and failed or cancelled jobs taken up again (a retry). */
function isAudited(from: string, to: string): boolean {
  if (from === to) return false;
  return ENDED.has(to) || (RETRIABLE.has(from) && !ENDED.has(to));
}

interface Row {
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
  created_at: string;
  updated_at: string;
}

function toJob(row: Row): Job {
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
    lastError: fromJson(row.last_error_json) ?? null,
    trackingId: row.tracking_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }) as Job;
}
