import type { Clock } from '../../domain/clock';
import type { CustomerRecord, CustomerRepo } from '../port';
import { customerStatusAfter } from '../shared/audit-entries';
import type { AnyRow } from '../shared/rows';
import { toCustomerRecord } from '../shared/subscriber-rows';
import type { PgDb } from './pg-db';
import { limitOf } from './record-repos';
import { PG_COLUMNS, whereOf } from './rows';

/** The upsert and its audit entry (when the status changed) in one statement; created_by_bridge, once set, stays set. */
const UPSERT_CUSTOMER = `
  WITH before AS (SELECT status FROM customers WHERE enterprise_id = $1 FOR UPDATE),
  up AS (
    INSERT INTO customers AS c (enterprise_id, template, webex_customer_id, org_id, status, location_url, admin_user_id, created_by_bridge,
      last_tracking_id, last_error, last_error_code, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
    ON CONFLICT (enterprise_id) DO UPDATE SET template = EXCLUDED.template, webex_customer_id = EXCLUDED.webex_customer_id,
      org_id = EXCLUDED.org_id, status = EXCLUDED.status, location_url = EXCLUDED.location_url, admin_user_id = EXCLUDED.admin_user_id,
      created_by_bridge = c.created_by_bridge OR EXCLUDED.created_by_bridge,
      last_tracking_id = EXCLUDED.last_tracking_id, last_error = EXCLUDED.last_error, last_error_code = EXCLUDED.last_error_code,
      updated_at = EXCLUDED.updated_at
    RETURNING *),
  audited AS (
    INSERT INTO audit (at, actor, entity_type, entity_id, action, before_json, after_json, tracking_id)
    SELECT $12, 'pipeline', 'customer', $1, 'status', (SELECT json_build_object('status', status)::text FROM before), $13, $9
    FROM up WHERE (SELECT status FROM before) IS DISTINCT FROM $5)
  SELECT * FROM up`;

/**
 * The right to look up and create an enterprise's Wholesale customer, held by one worker of the
 * whole deployment at a time: taken when nobody holds it or the holder's claim expired (a dead
 * instance), or renewed by its holder. A new enterprise gets its row here, status 'absent'.
 */
const CLAIM_CREATION = `
  INSERT INTO customers AS c (enterprise_id, template, status, created_at, updated_at, creation_owner, creation_expires_at)
  VALUES ($1, $2, 'absent', $3, $3, $4, $5)
  ON CONFLICT (enterprise_id) DO UPDATE SET creation_owner = EXCLUDED.creation_owner, creation_expires_at = EXCLUDED.creation_expires_at
  WHERE c.creation_owner IS NULL OR c.creation_expires_at <= $3 OR c.creation_owner = $4
  RETURNING 1`;

export function createPgCustomerRepo(db: PgDb, clock: Clock): CustomerRepo {
  return {
    async get(enterpriseId) {
      const { rows } = await db.query<AnyRow>('SELECT * FROM customers WHERE enterprise_id = $1', [enterpriseId]);
      return rows[0] ? toCustomer(rows[0]) : undefined;
    },
    async upsert(record) {
      const after = customerStatusAfter(record);
      const { rows } = await db.query<AnyRow>(UPSERT_CUSTOMER, [
        record.enterpriseId,
        record.template,
        record.webexCustomerId ?? null,
        record.orgId ?? null,
        record.status,
        record.locationUrl ?? null,
        record.adminUserId ?? null,
        record.createdByBridge === true,
        record.lastTrackingId ?? null,
        record.lastError ?? null,
        record.lastErrorCode ?? null,
        clock.now(),
        JSON.stringify(after),
      ]);
      return toCustomer(rows[0]);
    },
    async list(filter = {}) {
      const { where, params } = whereOf([
        filter.template ? ['template = ?', filter.template] : undefined,
        filter.status ? ['status = ?', filter.status] : undefined,
      ]);
      const { rows } = await db.query<AnyRow>(
        `SELECT * FROM customers ${where} ORDER BY enterprise_id LIMIT ${limitOf(filter.limit, 100)} OFFSET ${limitOf(filter.offset, 0)}`,
        params,
      );
      return rows.map(toCustomer);
    },
    async claimCreation(enterpriseId, claim) {
      const { rows } = await db.query(CLAIM_CREATION, [enterpriseId, claim.template, claim.now, claim.owner, claim.now + claim.leaseMs]);
      return rows.length === 1;
    },
    async releaseCreation(enterpriseId, owner) {
      await db.query('UPDATE customers SET creation_owner = NULL, creation_expires_at = NULL WHERE enterprise_id = $1 AND creation_owner = $2', [
        enterpriseId,
        owner,
      ]);
    },
  };
}

function toCustomer(r: AnyRow): CustomerRecord {
  return toCustomerRecord(r, PG_COLUMNS);
}
