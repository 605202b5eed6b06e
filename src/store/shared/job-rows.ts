import type { Job, JobError } from '../port';
import type { ColumnReaders } from './column-readers';
import { compact } from './rows';

/** A `jobs` row, by the types the driver hands its integer, time and boolean columns over as. */
export interface JobRowOf<Int = unknown, Time = unknown, Flag = unknown> {
  id: Int;
  event_id: Int;
  kind: Job['kind'];
  template: string;
  user_id: string;
  enterprise_id: string;
  state: Job['state'];
  attempts: number;
  next_run_at: Int;
  lookup_first: Flag;
  payload_json: string;
  last_error_json: string | null;
  tracking_id: string | null;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: Int | null;
  created_at: Time;
  updated_at: Time;
}

/**
 * A `jobs` row → the port's job. The stored last error is the caller's to read: SQLite rows
 * written before times were epoch ms carry its `at` as ISO text, which only that store converts.
 */
export function toJobRecord(row: JobRowOf, read: ColumnReaders, lastError: JobError | undefined): Job {
  return compact({
    id: read.int(row.id),
    eventId: read.int(row.event_id),
    kind: row.kind,
    template: row.template,
    userId: row.user_id,
    enterpriseId: row.enterprise_id,
    state: row.state,
    attempts: row.attempts,
    nextRunAt: read.int(row.next_run_at),
    lookupFirst: read.flag(row.lookup_first),
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    lastError,
    trackingId: row.tracking_id,
    leaseOwner: row.state === 'running' ? row.lease_owner : null,
    createdAt: read.time(row.created_at),
    updatedAt: read.time(row.updated_at),
  }) as Job;
}
