import type { CustomerRecord, SubscriberRecord } from '../port';
import type { ColumnReaders } from './column-readers';
import { compact, type AnyRow } from './rows';

/** A `subscribers` row, by the types the driver hands its time and boolean columns over as (read through ColumnReaders). */
export interface SubscriberRowOf<Time = unknown, Flag = unknown> {
  user_id: string;
  template: string;
  enterprise_id: string;
  webex_subscriber_id: string | null;
  customer_id: string | null;
  person_id: string | null;
  org_id: string | null;
  email: string | null;
  package: string | null;
  status: string;
  is_active: Flag;
  last_tracking_id: string | null;
  last_error_code: string | null;
  last_error_description: string | null;
  last_status_change: Time;
  profile_json: string;
  created_at: Time;
  updated_at: Time;
}

/** A `subscribers` row → the port's record. */
export function toSubscriberRecord(row: SubscriberRowOf, read: ColumnReaders): SubscriberRecord {
  return compact({
    userId: row.user_id,
    template: row.template,
    enterpriseId: row.enterprise_id,
    webexSubscriberId: row.webex_subscriber_id,
    customerId: row.customer_id,
    personId: row.person_id,
    orgId: row.org_id,
    email: row.email,
    package: row.package,
    status: row.status,
    isActive: read.flag(row.is_active),
    lastTrackingId: row.last_tracking_id,
    lastErrorCode: row.last_error_code,
    lastErrorDescription: row.last_error_description,
    lastStatusChange: read.time(row.last_status_change),
    profile: JSON.parse(row.profile_json) as Record<string, string>,
    createdAt: read.time(row.created_at),
    updatedAt: read.time(row.updated_at),
  }) as unknown as SubscriberRecord;
}

/** A `customers` row → the port's record (`createdByBridge` present only when set). */
export function toCustomerRecord(r: AnyRow, read: ColumnReaders): CustomerRecord {
  return compact({
    enterpriseId: r.enterprise_id,
    template: r.template,
    webexCustomerId: r.webex_customer_id,
    orgId: r.org_id,
    status: r.status,
    locationUrl: r.location_url,
    adminUserId: r.admin_user_id,
    createdByBridge: read.flag(r.created_by_bridge) ? true : null,
    lastTrackingId: r.last_tracking_id,
    lastError: r.last_error,
    lastErrorCode: r.last_error_code,
    createdAt: read.time(r.created_at),
    updatedAt: read.time(r.updated_at),
  }) as unknown as CustomerRecord;
}
