import { systemClock, type Clock } from '../../domain/clock';
import type Database from 'better-sqlite3';
import { WAITING_FOR_USER } from '../../domain/subscriber';
import type { CustomerRecord, CustomerRepo, SubscriberRecord, SubscriberRepo } from '../port';
import { customerStatusAfter, subscriberStatusAfter } from '../shared/audit-entries';
import type { AnyRow } from '../shared/rows';
import { toCustomerRecord, toSubscriberRecord, type SubscriberRowOf } from '../shared/subscriber-rows';
import { createRelaxedWriter } from './durability';
import { auditWriter } from './audit-writer';
import { columnTime, nowIso, SQLITE_COLUMNS } from './json';

// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md)
export function createSqliteSubscriberRepo(db: Database.Database, clock: Clock = systemClock): SubscriberRepo {
  const writeAudit = auditWriter(db);
  const getStmt = db.prepare('SELECT * FROM subscribers WHERE user_id = ?');
  const upsertStmt = db.prepare(`
    INSERT INTO subscribers (user_id, template, enterprise_id, webex_subscriber_id, customer_id, person_id, org_id, email, package, status, is_active,
      last_tracking_id, last_error_code, last_error_description, last_status_change, profile_json, created_at, updated_at)
    VALUES (@userId, @template, @enterpriseId, @webexSubscriberId, @customerId, @personId, @orgId, @email, @package, @status, @isActive,
      @lastTrackingId, @lastErrorCode, @lastErrorDescription, @lastStatusChange, @profile, @now, @now)
    ON CONFLICT(user_id) DO UPDATE SET template = excluded.template, enterprise_id = excluded.enterprise_id,
      webex_subscriber_id = excluded.webex_subscriber_id, customer_id = excluded.customer_id, person_id = excluded.person_id,
      org_id = excluded.org_id, email = excluded.email, package = excluded.package, status = excluded.status,
      is_active = excluded.is_active, last_tracking_id = excluded.last_tracking_id, last_error_code = excluded.last_error_code,
      last_error_description = excluded.last_error_description, last_status_change = excluded.last_status_change,
      profile_json = excluded.profile_json, updated_at = excluded.updated_at`);

  const upsert = createRelaxedWriter(db)(
    db.transaction((record: Parameters<SubscriberRepo['upsert']>[0], actor: string) => {
      const before = getStmt.get(record.userId) as Row | undefined;
      const now = nowIso(clock);
      const statusChanged = !before || before.status !== record.status;
      const lastStatusChange = record.lastStatusChange !== undefined ? columnTime(record.lastStatusChange) : statusChanged ? now : before.last_status_change;
      upsertStmt.run({
        userId: record.userId,
        template: record.template,
        enterpriseId: record.enterpriseId,
        webexSubscriberId: record.webexSubscriberId ?? null,
        customerId: record.customerId ?? null,
        personId: record.personId ?? null,
        orgId: record.orgId ?? null,
        email: record.email ?? null,
        package: record.package ?? null,
        status: record.status,
        isActive: record.isActive ? 1 : 0,
        lastTrackingId: record.lastTrackingId ?? null,
        lastErrorCode: record.lastErrorCode ?? null,
        lastErrorDescription: record.lastErrorDescription ?? null,
        lastStatusChange,
        profile: JSON.stringify(record.profile ?? {}),
        now,
      });
      if (statusChanged) {
        writeAudit({
          actor,
          entityType: 'subscriber',
          entityId: record.userId,
          action: 'status',
          before: before ? { status: before.status } : undefined,
          after: subscriberStatusAfter(record),
          trackingId: record.lastTrackingId,
          // pending_* statuses: what the user must do, shown to operators as "waiting for the user".
          detail: WAITING_FOR_USER[record.status],
          at: lastStatusChange,
        });
      }
      return toRecord(getStmt.get(record.userId) as Row);
    }),
  );

  return {
    async get(userId) {
      const row = getStmt.get(userId) as Row | undefined;
      return row ? toRecord(row) : undefined;
    },
    async upsert(record, actor = 'pipeline') {
      return upsert(record, actor);
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 100, offset: filter.offset ?? 0 };
      if (filter.status) {
        where.push('status = @status');
        params.status = filter.status;
      }
      if (filter.enterpriseId) {
        where.push('enterprise_id = @enterpriseId');
        params.enterpriseId = filter.enterpriseId;
      }
      if (filter.template) {
        where.push('template = @template');
        params.template = filter.template;
      }
      if (filter.q) {
        where.push(`(${SEARCHED_COLUMNS.map((column) => `${column} LIKE @q ESCAPE '\\'`).join(' OR ')})`);
        params.q = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      }
      const rows = db
        .prepare(`SELECT * FROM subscribers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY user_id LIMIT @limit OFFSET @offset`)
        .all(params) as Row[];
      return rows.map(toRecord);
    },
    async countByStatus() {
      const rows = db.prepare('SELECT status, COUNT(*) AS n FROM subscribers GROUP BY status').all() as Array<{ status: string; n: number }>;
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    async countForTemplate(template, statuses) {
      const list = statuses ?? [];
      const row = db
        .prepare(`SELECT COUNT(*) AS n FROM subscribers WHERE template = ? ${list.length ? `AND status IN (${list.map(() => '?').join(',')})` : ''}`)
        .get(template, ...list) as { n: number };
      return row.n;
    },
  };
}

/** What `q` searches: the names' values, never the raw profile JSON (its keys, "firstName", are in every row). */
const SEARCHED_COLUMNS = ['user_id', 'email', 'enterprise_id', "json_extract(profile_json, '$.firstName')", "json_extract(profile_json, '$.lastName')"];

/** A `subscribers` row as better-sqlite3 hands it over: times as ISO text, `is_active` as 0/1. */
type Row = SubscriberRowOf<string, number>;

function toRecord(row: Row): SubscriberRecord {
  return toSubscriberRecord(row, SQLITE_COLUMNS);
}

// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md)
export function createSqliteCustomerRepo(db: Database.Database, clock: Clock = systemClock): CustomerRepo {
  const getStmt = db.prepare('SELECT * FROM customers WHERE enterprise_id = ?');
  const upsertStmt = db.prepare(`
    INSERT INTO customers (enterprise_id, template, webex_customer_id, org_id, status, location_url, admin_user_id, created_by_bridge, last_tracking_id, last_error, last_error_code, created_at, updated_at)
    VALUES (@enterpriseId, @template, @webexCustomerId, @orgId, @status, @locationUrl, @adminUserId, @createdByBridge, @lastTrackingId, @lastError, @lastErrorCode, @now, @now)
    ON CONFLICT(enterprise_id) DO UPDATE SET template = excluded.template, webex_customer_id = excluded.webex_customer_id,
      org_id = excluded.org_id, status = excluded.status, location_url = excluded.location_url, admin_user_id = excluded.admin_user_id,
      created_by_bridge = MAX(customers.created_by_bridge, excluded.created_by_bridge),
      last_tracking_id = excluded.last_tracking_id, last_error = excluded.last_error, last_error_code = excluded.last_error_code,
      updated_at = excluded.updated_at`);
  const toCustomer = (r: AnyRow): CustomerRecord => toCustomerRecord(r, SQLITE_COLUMNS);
  const writeAudit = auditWriter(db);
  const upsertCustomer = db.transaction((record: Parameters<CustomerRepo['upsert']>[0]) => {
    const before = getStmt.get(record.enterpriseId) as Record<string, unknown> | undefined;
    upsertStmt.run({
      enterpriseId: record.enterpriseId,
      template: record.template,
      webexCustomerId: record.webexCustomerId ?? null,
      orgId: record.orgId ?? null,
      status: record.status,
      locationUrl: record.locationUrl ?? null,
      adminUserId: record.adminUserId ?? null,
      createdByBridge: record.createdByBridge ? 1 : 0,
      lastTrackingId: record.lastTrackingId ?? null,
      lastError: record.lastError ?? null,
      lastErrorCode: record.lastErrorCode ?? null,
      now: nowIso(clock),
    });
    if (!before || before.status !== record.status) {
      writeAudit({
        at: nowIso(clock),
        actor: 'pipeline',
        entityType: 'customer',
        entityId: record.enterpriseId,
        action: 'status',
        before: before ? { status: before.status } : undefined,
        after: customerStatusAfter(record),
        trackingId: record.lastTrackingId,
      });
    }
    return toCustomer(getStmt.get(record.enterpriseId) as Record<string, unknown>);
  });
  // The same rule as on PostgreSQL (customer-repo.ts there): nobody holds it, it expired, or it is the caller's.
  const claimStmt = db.prepare(`
    INSERT INTO customers (enterprise_id, template, status, created_at, updated_at, creation_owner, creation_expires_at)
    VALUES (@enterpriseId, @template, 'absent', @at, @at, @owner, @expiresAt)
    ON CONFLICT(enterprise_id) DO UPDATE SET creation_owner = excluded.creation_owner, creation_expires_at = excluded.creation_expires_at
    WHERE customers.creation_owner IS NULL OR customers.creation_expires_at <= @now OR customers.creation_owner = @owner
    RETURNING 1 AS won`);
  const releaseStmt = db.prepare('UPDATE customers SET creation_owner = NULL, creation_expires_at = NULL WHERE enterprise_id = ? AND creation_owner = ?');
  return {
    async get(enterpriseId) {
      const row = getStmt.get(enterpriseId) as Record<string, unknown> | undefined;
      return row ? toCustomer(row) : undefined;
    },
    async claimCreation(enterpriseId, claim) {
      const won = claimStmt.get({
        enterpriseId,
        template: claim.template,
        at: new Date(claim.now).toISOString(),
        now: claim.now,
        owner: claim.owner,
        expiresAt: claim.now + claim.leaseMs,
      });
      return won !== undefined;
    },
    async releaseCreation(enterpriseId, owner) {
      releaseStmt.run(enterpriseId, owner);
    },
    async upsert(record) {
      return upsertCustomer(record);
    },
    async list(filter = {}) {
      const where: string[] = [];
      if (filter.template) where.push('template = @template');
      if (filter.status) where.push('status = @status');
      const rows = db
        .prepare(`SELECT * FROM customers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY enterprise_id LIMIT @limit OFFSET @offset`)
        .all({ ...filter, limit: filter.limit ?? 100, offset: filter.offset ?? 0 }) as Array<Record<string, unknown>>;
      return rows.map(toCustomer);
    },
  };
}
