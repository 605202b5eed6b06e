import { systemClock, type Clock } from '../../domain/clock';
import type Database from 'better-sqlite3';
import type { AuditTrail, UnknownRequestRepo, WebexCallLog } from '../port';
import { toAuditEntry, toUnknownRequest, toWebexCall } from '../shared/record-rows';
import { auditWriter } from './audit-writer';
import { columnTime, nowIso, SQLITE_COLUMNS } from './json';

export function createSqliteAuditTrail(db: Database.Database, clock: Clock = systemClock): AuditTrail {
  const writeAudit = auditWriter(db);
  return {
    async append(entry) {
      return Number(writeAudit({ ...entry, at: entry.at !== undefined ? columnTime(entry.at) : nowIso(clock) }).lastInsertRowid);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 200 };
      if (filter.entityType) {
        where.push('entity_type = @entityType');
        params.entityType = filter.entityType;
      }
      if (filter.entityId) {
        where.push('entity_id = @entityId');
        params.entityId = filter.entityId;
      }
      const rows = db.prepare(`SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`).all(params) as Array<
        Record<string, unknown>
      >;
      return rows.map((r) => toAuditEntry(r, SQLITE_COLUMNS));
    },
  };
}

export function createSqliteUnknownRequestRepo(db: Database.Database, clock: Clock = systemClock): UnknownRequestRepo {
  const insert = db.prepare(
    `INSERT INTO unknown_requests (received_at, request_id, template, kind, reason, headers_json, body, response)
     VALUES (@receivedAt, @requestId, @template, @kind, @reason, @headers, @body, @response)`,
  );
  return {
    async add(entry) {
      const info = insert.run({
        receivedAt: nowIso(clock),
        requestId: entry.requestId,
        template: entry.template,
        kind: entry.kind,
        reason: entry.reason,
        headers: JSON.stringify(entry.headers),
        body: entry.body,
        response: entry.response ?? null,
      });
      return Number(info.lastInsertRowid);
    },
    async list(filter = {}) {
      const rows = db
        .prepare(`SELECT * FROM unknown_requests ${filter.kind ? 'WHERE kind = @kind' : ''} ORDER BY id DESC LIMIT @limit`)
        .all({ kind: filter.kind, limit: filter.limit ?? 100 }) as Array<Record<string, unknown>>;
      return rows.map((r) => toUnknownRequest(r, SQLITE_COLUMNS));
    },
    async count(kind) {
      const row = db.prepare(`SELECT COUNT(*) AS n FROM unknown_requests ${kind ? 'WHERE kind = ?' : ''}`).get(...(kind ? [kind] : [])) as { n: number };
      return row.n;
    },
  };
}

export function createSqliteWebexCallLog(db: Database.Database, clock: Clock = systemClock): WebexCallLog {
  const insert = db.prepare(
    `INSERT INTO webex_calls (at, job_id, user_id, enterprise_id, operation, method, path, http_status, tracking_id, error_code, description, duration_ms)
     VALUES (@at, @jobId, @userId, @enterpriseId, @operation, @method, @path, @httpStatus, @trackingId, @errorCode, @description, @durationMs)`,
  );
  return {
    async record(call) {
      insert.run({
        at: call.at !== undefined ? columnTime(call.at) : nowIso(clock),
        jobId: call.jobId ?? null,
        userId: call.userId ?? null,
        enterpriseId: call.enterpriseId ?? null,
        operation: call.operation,
        method: call.method,
        path: call.path,
        httpStatus: call.httpStatus ?? null,
        trackingId: call.trackingId,
        errorCode: call.errorCode ?? null,
        description: call.description ?? null,
        durationMs: call.durationMs ?? null,
      });
    },
    async list(filter = {}) {
      const where: string[] = [];
      if (filter.userId) where.push('user_id = @userId');
      if (filter.enterpriseId) where.push('enterprise_id = @enterpriseId');
      if (filter.jobId !== undefined) where.push('job_id = @jobId');
      if (filter.errorsOnly) where.push('(http_status IS NULL OR http_status >= 400)');
      const rows = db
        .prepare(`SELECT * FROM webex_calls ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`)
        .all({ ...filter, limit: filter.limit ?? 50 }) as Array<Record<string, unknown>>;
      return rows.map((r) => toWebexCall(r, SQLITE_COLUMNS));
    },
  };
}
