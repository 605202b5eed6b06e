import type { Clock, ShadowRecord } from '../../domain';
import type { AuditTrail, ShadowRecordRepo, UnknownRequestRepo, WebexCallLog } from '../port';
import { toAuditEntry, toUnknownRequest, toWebexCall } from '../shared/record-rows';
import type { AnyRow } from '../shared/rows';
import { insertAudit } from './audit-writer';
import type { PgDb } from './pg-db';
import { columnTime } from './record-time';
import { num, PG_COLUMNS, whereOf } from './rows';

export function createPgAuditTrail(db: PgDb, clock: Clock): AuditTrail {
  return {
    append: (entry) => insertAudit(db, { ...entry, at: entry.at === undefined ? clock.now() : columnTime(entry.at) }),
    async list(filter = {}) {
      const { where, params } = whereOf([
        filter.entityType ? ['entity_type = ?', filter.entityType] : undefined,
        filter.entityId ? ['entity_id = ?', filter.entityId] : undefined,
      ]);
      const { rows } = await db.query<AnyRow>(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ${limitOf(filter.limit, 200)}`, params);
      return rows.map((r) => toAuditEntry(r, PG_COLUMNS));
    },
  };
}

export function createPgUnknownRequestRepo(db: PgDb, clock: Clock): UnknownRequestRepo {
  return {
    async add(entry) {
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO unknown_requests (received_at, request_id, template, kind, reason, headers_json, body, response)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [clock.now(), entry.requestId, entry.template, entry.kind, entry.reason, JSON.stringify(entry.headers), entry.body, entry.response ?? null],
      );
      return num(rows[0].id);
    },
    async list(filter = {}) {
      const { where, params } = whereOf([filter.kind ? ['kind = ?', filter.kind] : undefined]);
      const { rows } = await db.query<AnyRow>(`SELECT * FROM unknown_requests ${where} ORDER BY id DESC LIMIT ${limitOf(filter.limit, 100)}`, params);
      return rows.map((r) => toUnknownRequest(r, PG_COLUMNS));
    },
    async count(kind) {
      const { where, params } = whereOf([kind ? ['kind = ?', kind] : undefined]);
      return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM unknown_requests ${where}`, params)).rows[0].n;
    },
  };
}

export function createPgWebexCallLog(db: PgDb, clock: Clock): WebexCallLog {
  return {
    async record(call) {
      await db.query(
        `INSERT INTO webex_calls (at, job_id, user_id, enterprise_id, operation, method, path, http_status, tracking_id, error_code, description, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          call.at === undefined ? clock.now() : columnTime(call.at),
          call.jobId ?? null,
          call.userId ?? null,
          call.enterpriseId ?? null,
          call.operation,
          call.method,
          call.path,
          call.httpStatus ?? null,
          call.trackingId,
          call.errorCode ?? null,
          call.description ?? null,
          call.durationMs === undefined ? null : Math.round(call.durationMs),
        ],
      );
    },
    async list(filter = {}) {
      const { where, params } = whereOf([
        filter.userId ? ['user_id = ?', filter.userId] : undefined,
        filter.enterpriseId ? ['enterprise_id = ?', filter.enterpriseId] : undefined,
        filter.jobId !== undefined ? ['job_id = ?', filter.jobId] : undefined,
        filter.errorsOnly ? ['(http_status IS NULL OR http_status >= 400)'] : undefined,
      ]);
      const { rows } = await db.query<AnyRow>(`SELECT * FROM webex_calls ${where} ORDER BY id DESC LIMIT ${limitOf(filter.limit, 50)}`, params);
      return rows.map((r) => toWebexCall(r, PG_COLUMNS));
    },
  };
}

/** One row per relayed request of a shadow template; the record itself as JSON (already masked). */
export function createPgShadowRecordRepo(db: PgDb): ShadowRecordRepo {
  return {
    async add(record) {
      const { rows } = await db.query<{ id: string }>(
        'INSERT INTO shadow_records (received_at, template, request_id, understood, record_json) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [columnTime(record.receivedAt), record.template, record.requestId, record.understood, JSON.stringify(record)],
      );
      return num(rows[0].id);
    },
    async list(filter = {}) {
      const { where, params } = whereOf([
        filter.template !== undefined ? ['template = ?', filter.template] : undefined,
        filter.since !== undefined ? ['received_at >= ?', columnTime(filter.since)] : undefined,
      ]);
      const { rows } = await db.query<{ record_json: string }>(
        `SELECT record_json FROM shadow_records ${where} ORDER BY id LIMIT ${limitOf(filter.limit, 1_000_000)}`,
        params,
      );
      return rows.map((r) => JSON.parse(r.record_json) as ShadowRecord);
    },
  };
}

/** A LIMIT inlined as a whole number (never a parameter that could carry text). */
export function limitOf(limit: number | undefined, fallback: number): number {
  const n = Math.floor(Number(limit ?? fallback));
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}
