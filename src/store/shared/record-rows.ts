import type { AuditEntry, UnknownRequest, WebexCallRecord } from '../port';
import { nullableInt, type ColumnReaders } from './column-readers';
import { compact, fromJson, type AnyRow } from './rows';

/** An `audit` row → the port's entry. */
export function toAuditEntry(r: AnyRow, read: ColumnReaders): AuditEntry {
  return compact({
    id: read.int(r.id),
    at: read.time(r.at),
    actor: r.actor,
    entityType: r.entity_type,
    entityId: r.entity_id,
    action: r.action,
    before: fromJson(r.before_json as string | null),
    after: fromJson(r.after_json as string | null),
    trackingId: r.tracking_id,
    detail: r.detail,
  }) as unknown as AuditEntry;
}

/** An `unknown_requests` row → the port's record. */
export function toUnknownRequest(r: AnyRow, read: ColumnReaders): UnknownRequest {
  return compact({
    id: read.int(r.id),
    receivedAt: read.time(r.received_at),
    requestId: r.request_id,
    template: r.template,
    kind: r.kind,
    reason: r.reason,
    headers: JSON.parse(r.headers_json as string) as UnknownRequest['headers'],
    body: r.body,
    response: r.response,
  }) as unknown as UnknownRequest;
}

/** A `webex_calls` row → the port's record. */
export function toWebexCall(r: AnyRow, read: ColumnReaders): WebexCallRecord {
  return compact({
    id: read.int(r.id),
    at: read.time(r.at),
    jobId: nullableInt(read, r.job_id),
    userId: r.user_id,
    enterpriseId: r.enterprise_id,
    operation: r.operation,
    method: r.method,
    path: r.path,
    httpStatus: r.http_status,
    trackingId: r.tracking_id,
    errorCode: r.error_code,
    description: r.description,
    durationMs: r.duration_ms,
  }) as unknown as WebexCallRecord;
}
