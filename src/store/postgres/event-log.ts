import type { Clock } from '../../domain';
import type { AcceptOutcome, EventLog, LatestEvent, StoredEvent } from '../port';
import { toStoredEventRecord, type EventRowOf } from '../shared/event-rows';
import { ownershipQuery, toOwnership, type OwnershipRow } from '../shared/ownership-row';
import { writeBatch, type PendingAccept } from './event-batch';
import { isUnreachable, type PgDb } from './pg-db';
import { recordTime } from './record-time';
import { num, PG_COLUMNS } from './rows';

export interface PgEventLog extends EventLog {
  /** Group-commit counters: how many accept calls shared how many commits. */
  commitStats(): { commits: number; accepted: number; largestBatch: number };
  /** Called after each commit of this instance that added jobs (other instances hear of it by NOTIFY). */
  onCommitted(listener: () => void): () => void;
  /** Stops hearing other instances' commits. */
  closeWakeups(): Promise<void>;
}

/** Other instances' commits: started with the first listener (only workers listen), calls `wake` per notification. */
export type RemoteWakeups = (wake: () => void) => { close(): Promise<void> };

/** One round trip for what ownership needs. */
const OWNERSHIP = ownershipQuery('$1::text');

/** Deadlock and serialization failures: another instance's batch got in the way; the batch is written again once. */
const RETRIED = new Set(['40P01', '40001']);

/**
 * The append-only event log. Accept calls that arrive in the same turn of the event loop, or
 * while a commit is in flight, share the next commit: one multi-row statement for the whole
 * batch, so a burst of concurrent requests costs one round trip and one WAL flush per batch.
 */
// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md)
export function createPgEventLog(db: PgDb, clock: Clock, channel: string, remote?: RemoteWakeups): PgEventLog {
  let queue: PendingAccept[] = [];
  let scheduled = false;
  let inFlight = false;
  const stats = { commits: 0, accepted: 0, largestBatch: 0 };
  const listeners = new Set<() => void>();
  let remoteWakeups: ReturnType<RemoteWakeups> | undefined;
  const notify = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not touch the acknowledgement of accepted requests.
      }
    }
  };
  const write = async (batch: PendingAccept[]): Promise<AcceptOutcome[][]> => {
    try {
      return await writeBatch(db, clock, channel, batch);
    } catch (err) {
      if (!RETRIED.has((err as { code?: string }).code ?? '')) throw err;
      return writeBatch(db, clock, channel, batch);
    }
  };
  const settle = async (batch: PendingAccept[]): Promise<void> => {
    try {
      const results = await write(batch);
      batch.forEach((pending, i) => pending.resolve(results[i]));
      notify();
      return;
    } catch (err) {
      // Unreachable: every request of the batch fails alike (the AS retries on 5001).
      if (batch.length === 1 || isUnreachable(err) || (err as { code?: string }).code === 'IMPB_ERR_STORE_UNAVAILABLE') {
        for (const pending of batch) pending.reject(err);
        return;
      }
    }
    // One bad input must not fail the requests it happened to share a commit with: each on its own.
    let wrote = false;
    for (const pending of batch) {
      try {
        pending.resolve((await write([pending]))[0]);
        wrote = true;
      } catch (own) {
        pending.reject(own);
      }
    }
    if (wrote) notify();
  };
  const flush = (): void => {
    scheduled = false;
    if (inFlight || !queue.length) return;
    const batch = queue;
    queue = [];
    inFlight = true;
    stats.commits++;
    stats.accepted += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    void settle(batch).finally(() => {
      inFlight = false;
      // What arrived during the commit is the next batch.
      if (queue.length) flush();
    });
  };

  return {
    commitStats: () => ({ ...stats }),
    onCommitted(listener) {
      listeners.add(listener);
      if (remote && !remoteWakeups) remoteWakeups = remote(notify);
      return () => listeners.delete(listener);
    },
    async closeWakeups() {
      await remoteWakeups?.close();
      remoteWakeups = undefined;
    },
    accept(inputs, options) {
      return new Promise<AcceptOutcome[]>((resolve, reject) => {
        queue.push({ inputs, windowSeconds: options.duplicateWindowSeconds, rawRequest: options.rawRequest, resolve, reject });
        if (!scheduled && !inFlight) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async get(id) {
      const { rows } = await db.query<Row>(`${SELECT_EVENT} WHERE e.id = $1`, [id]);
      return rows[0] ? toStoredEvent(rows[0]) : undefined;
    },
    async listForUser(userId, limit = 100) {
      const { rows } = await db.query<Row>(`${SELECT_EVENT} WHERE e.user_id = $1 ORDER BY e.id DESC LIMIT $2`, [userId, limit]);
      return rows.map(toStoredEvent);
    },
    async latestForUser(userId) {
      const { rows } = await db.query<{ id: string; kind: string; template: string; enterprise_id: string; received_at: string }>(
        'SELECT id, kind, template, enterprise_id, received_at FROM inbound_events WHERE user_id = $1 ORDER BY id DESC LIMIT 1',
        [userId],
      );
      const r = rows[0];
      return r && ({ id: num(r.id), kind: r.kind, template: r.template, enterpriseId: r.enterprise_id, receivedAt: recordTime(r.received_at) } as LatestEvent);
    },
    async ownershipOf(userId) {
      const { rows } = await db.query<OwnershipRow>(OWNERSHIP, [userId]);
      return toOwnership(rows[0]);
    },
    async count() {
      return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM inbound_events')).rows[0].n;
    },
  };
}

const SELECT_EVENT = 'SELECT e.*, r.raw_request AS raw_text FROM inbound_events e LEFT JOIN requests r ON r.id = e.request_ref';

/** node-postgres hands BIGINT over as text; the request text is plain text here (SQLite may keep it deflated). */
type Row = EventRowOf<string, string, string | null>;

function toStoredEvent(row: Row): StoredEvent {
  return toStoredEventRecord(row, PG_COLUMNS, row.raw_text ?? '');
}
