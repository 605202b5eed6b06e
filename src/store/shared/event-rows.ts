import type { ProvisioningEvent } from '../../domain';
import type { StoredEvent } from '../port';
import type { ColumnReaders } from './column-readers';
import { compact } from './rows';

/** An `inbound_events` row joined to its request text (`raw_text`), by the types the driver hands them over as. */
export interface EventRowOf<Int = unknown, Time = unknown, RawText = unknown> {
  id: Int;
  received_at: Time;
  request_id: string;
  event_json: string;
  raw_text: RawText;
  dedupe_key: string;
  sub_path: string | null;
  source_address: string | null;
  client_subject: string | null;
}

/** An event row → the port's stored event; `rawRequest` is the request text as the caller's store keeps it, already read back. */
export function toStoredEventRecord(row: EventRowOf, read: ColumnReaders, rawRequest: string): StoredEvent {
  const event = JSON.parse(row.event_json) as ProvisioningEvent;
  return compact({
    ...event,
    id: read.int(row.id),
    requestId: row.request_id,
    receivedAt: read.time(row.received_at),
    rawRequest,
    dedupeKey: row.dedupe_key,
    subPath: row.sub_path,
    sourceAddress: row.source_address,
    clientSubject: row.client_subject,
  }) as unknown as StoredEvent;
}
