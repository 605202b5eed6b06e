import type { Clock } from '../../domain/clock';
import { WAITING_FOR_USER } from '../../domain/subscriber';
import type { SubscriberRecord, SubscriberRepo } from '../port';
import { subscriberStatusAfter } from '../shared/audit-entries';
import { toSubscriberRecord, type SubscriberRowOf } from '../shared/subscriber-rows';
import type { PgDb } from './pg-db';
import { columnTime } from './record-time';
import { limitOf } from './record-repos';
import { PG_COLUMNS, whereOf } from './rows';

/**
 * One statement: the row before (locked), the upsert, and the audit entry when the status
 * changed, so a status change is never without its audit entry and costs one round trip.
 */
const UPSERT_SUBSCRIBER = `
  WITH before AS (SELECT status, last_status_change FROM subscribers WHERE user_id = $1 FOR UPDATE),
  up AS (
    INSERT INTO subscribers (user_id, template, enterprise_id, webex_subscriber_id, customer_id, person_id, org_id, email, package, status, is_active,
      last_tracking_id, last_error_code, last_error_description, last_status_change, profile_json, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
      COALESCE($15::bigint, CASE WHEN (SELECT status FROM before) IS DISTINCT FROM $10 THEN $17::bigint ELSE (SELECT last_status_change FROM before) END),
      $16, $17, $17)
    ON CONFLICT (user_id) DO UPDATE SET template = EXCLUDED.template, enterprise_id = EXCLUDED.enterprise_id,
      webex_subscriber_id = EXCLUDED.webex_subscriber_id, customer_id = EXCLUDED.customer_id, person_id = EXCLUDED.person_id,
      org_id = EXCLUDED.org_id, email = EXCLUDED.email, package = EXCLUDED.package, status = EXCLUDED.status,
      is_active = EXCLUDED.is_active, last_tracking_id = EXCLUDED.last_tracking_id, last_error_code = EXCLUDED.last_error_code,
      last_error_description = EXCLUDED.last_error_description, last_status_change = EXCLUDED.last_status_change,
      profile_json = EXCLUDED.profile_json, updated_at = EXCLUDED.updated_at
    RETURNING *),
  audited AS (
    INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json, tracking_id, detail)
    SELECT up.last_status_change, $18, 'subscriber', $1, 'status', (SELECT json_build_object('status', status)::text FROM before), $19, $12, $20
    FROM up WHERE (SELECT status FROM before) IS DISTINCT FROM $10)
  SELECT * FROM up`;

/** What `q` searches: the names' values, never the raw profile JSON (its keys, "firstName", are in every row). */
const SEARCHED = ['user_id', 'email', 'enterprise_id', "(profile_json::jsonb ->> 'firstName')", "(profile_json::jsonb ->> 'lastName')"];

export function createPgSubscriberRepo(db: PgDb, clock: Clock): SubscriberRepo {
  return {
    async get(userId) {
      const { rows } = await db.query<SubscriberRowOf>('SELECT * FROM subscribers WHERE user_id = $1', [userId]);
      return rows[0] ? toSubscriber(rows[0]) : undefined;
    },
    async upsert(record, actor = 'pipeline') {
      const after = subscriberStatusAfter(record);
      const { rows } = await db.query<SubscriberRowOf>(UPSERT_SUBSCRIBER, [
        record.userId,
        record.template,
        record.enterpriseId,
        record.webexSubscriberId ?? null,
        record.customerId ?? null,
        record.personId ?? null,
        record.orgId ?? null,
        record.email ?? null,
        record.package ?? null,
        record.status,
        record.isActive,
        record.lastTrackingId ?? null,
        record.lastErrorCode ?? null,
        record.lastErrorDescription ?? null,
        record.lastStatusChange === undefined ? null : columnTime(record.lastStatusChange),
        JSON.stringify(record.profile ?? {}),
        clock.now(),
        actor,
        JSON.stringify(after),
        // pending_* statuses: what the user must do, shown to operators as "waiting for the user".
        WAITING_FOR_USER[record.status] ?? null,
      ]);
      return toSubscriber(rows[0]);
    },
    async list(filter = {}) {
      const pattern = filter.q === undefined ? undefined : `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { where, params } = whereOf([
        filter.status ? ['status = ?', filter.status] : undefined,
        filter.enterpriseId ? ['enterprise_id = ?', filter.enterpriseId] : undefined,
        filter.template ? ['template = ?', filter.template] : undefined,
        filter.q ? [`(${SEARCHED.map((c) => `${c} ILIKE ? ESCAPE '\\'`).join(' OR ')})`, pattern] : undefined,
      ]);
      const sql = `SELECT * FROM subscribers ${where} ORDER BY user_id LIMIT ${limitOf(filter.limit, 100)} OFFSET ${limitOf(filter.offset, 0)}`;
      return (await db.query<SubscriberRowOf>(sql, params)).rows.map(toSubscriber);
    },
    async countByStatus() {
      const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM subscribers GROUP BY status');
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    async countForTemplate(template, statuses) {
      const list = statuses ?? [];
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM subscribers WHERE template = $1 ${list.length ? 'AND status = ANY($2)' : ''}`,
        list.length ? [template, list] : [template],
      );
      return rows[0].n;
    },
  };
}

function toSubscriber(row: SubscriberRowOf): SubscriberRecord {
  return toSubscriberRecord(row, PG_COLUMNS);
}
