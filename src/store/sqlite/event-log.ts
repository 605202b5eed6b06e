import type Database from 'better-sqlite3';
import type { ProvisioningEvent } from '../../domain';
import type { AcceptInput, AcceptOutcome, EventLog, StoredEvent } from '../port';
import { compact } from './json';
import type { WalSync } from './wal-sync';

interface PendingAccept {
  inputs: AcceptInput[];
  windowSeconds: number;
  resolve: (outcomes: AcceptOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * The append-only inbound event log. `accept` writes events and their jobs in one
 * transaction; calls arriving in the same turn of the event loop share one commit (one fsync
 * under synchronous=FULL), so a burst of concurrent requests costs one disk flush per batch.
 */
export interface SqliteEventLog extends EventLog {
  /** Group-commit counters: how many requests shared how many commits. */
  commitStats(): { commits: number; accepted: number; largestBatch: number };
  /** Called after each commit that added jobs (the worker wakes instead of waiting for its next poll). */
  onCommitted(listener: () => void): () => void;
}

export function createSqliteEventLog(db: Database.Database, walSync?: WalSync): SqliteEventLog {
  // A re-sent request is a duplicate only while nothing else happened to that user since: an
  // assign, unassign, assign within the window must reach Webex as three events.
  const findDuplicate = db.prepare(
    `SELECT e.id FROM inbound_events e
     WHERE e.dedupe_key = ? AND e.received_at >= ?
       AND NOT EXISTS (SELECT 1 FROM inbound_events later WHERE later.user_id = e.user_id AND later.id > e.id AND later.dedupe_key <> e.dedupe_key)
     ORDER BY e.id DESC LIMIT 1`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO inbound_events (received_at, request_id, template, kind, user_id, enterprise_id, event_json, raw_request, dedupe_key, sub_path, source_address, client_subject)
     VALUES (@receivedAt, @requestId, @template, @kind, @userId, @enterpriseId, @eventJson, @rawRequest, @dedupeKey, @subPath, @sourceAddress, @clientSubject)`,
  );
  const insertJob = db.prepare(
    `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, created_at, updated_at)
     VALUES (@eventId, @kind, @template, @userId, @enterpriseId, 'queued', 0, @nextRunAt, 0, @payload, @now, @now)`,
  );
  const getStmt = db.prepare('SELECT * FROM inbound_events WHERE id = ?');
  const listUserStmt = db.prepare('SELECT * FROM inbound_events WHERE user_id = ? ORDER BY id DESC LIMIT ?');
  const countStmt = db.prepare('SELECT COUNT(*) AS n FROM inbound_events');

  const writeBatch = db.transaction((batch: PendingAccept[]) => {
    const now = new Date();
    const nowText = now.toISOString();
    return batch.map((pending) => {
      const since = new Date(now.getTime() - pending.windowSeconds * 1000).toISOString();
      return pending.inputs.map((input): AcceptOutcome => {
        if (pending.windowSeconds > 0) {
          const dup = findDuplicate.get(input.dedupeKey, since) as { id: number } | undefined;
          if (dup) return { eventId: dup.id, duplicate: true };
        }
        const { event } = input;
        const info = insertEvent.run({
          receivedAt: nowText,
          requestId: input.requestId,
          template: event.template,
          kind: event.kind,
          userId: event.userId,
          enterpriseId: event.enterpriseId,
          eventJson: JSON.stringify(event),
          rawRequest: input.rawRequest,
          dedupeKey: input.dedupeKey,
          subPath: input.subPath ?? null,
          sourceAddress: input.sourceAddress ?? null,
          clientSubject: input.clientSubject ?? null,
        });
        const eventId = Number(info.lastInsertRowid);
        if (!event.passwordOnly) {
          insertJob.run({
            eventId,
            kind: event.kind,
            template: event.template,
            userId: event.userId,
            enterpriseId: event.enterpriseId,
            nextRunAt: now.getTime(),
            payload: JSON.stringify({ event }),
            now: nowText,
          });
        }
        return { eventId, duplicate: false };
      });
    });
  });

  let queue: PendingAccept[] = [];
  let scheduled = false;
  const stats = { commits: 0, accepted: 0, largestBatch: 0 };
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not touch the acknowledgement of accepted requests.
      }
    }
  };
  /** Commits the batch; the answers wait for the WAL flush (off this thread) when there is one. */
  const commitBatch = (batch: PendingAccept[]): AcceptOutcome[][] => (walSync ? walSync.commit(() => writeBatch(batch)) : writeBatch(batch));
  const settle = (settled: Array<[PendingAccept, AcceptOutcome[] | undefined, unknown]>) => {
    const answer = () => {
      for (const [pending, outcomes, err] of settled) {
        if (outcomes) pending.resolve(outcomes);
        else pending.reject(err);
      }
      if (settled.some(([, outcomes]) => outcomes)) notify();
    };
    if (!walSync || !settled.some(([, outcomes]) => outcomes)) return answer();
    walSync.flushed().then(answer, (err: unknown) => {
      for (const [pending] of settled) pending.reject(err);
    });
  };
  const flush = () => {
    // A commit made while the WAL is being flushed would wait for the next flush anyway: the batch grows until then.
    if (walSync?.busy()) return walSync.whenIdle(flush);
    scheduled = false;
    const batch = queue;
    queue = [];
    stats.commits++;
    stats.accepted += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    try {
      const results = commitBatch(batch);
      settle(batch.map((pending, i) => [pending, results[i]!, undefined]));
    } catch (err) {
      if (batch.length === 1) return settle([[batch[0]!, undefined, err]]);
      // One bad input must not fail the requests it happened to share a commit with:
      // retry each on its own so only the faulty one is refused.
      settle(
        batch.map((pending) => {
          try {
            return [pending, commitBatch([pending])[0]!, undefined];
          } catch (own) {
            return [pending, undefined, own];
          }
        }),
      );
    }
  };

  return {
    commitStats: () => ({ ...stats }),
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    accept(inputs, options) {
      return new Promise<AcceptOutcome[]>((resolve, reject) => {
        queue.push({ inputs, windowSeconds: options.duplicateWindowSeconds, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async get(id) {
      const row = getStmt.get(id) as Row | undefined;
      return row ? toStoredEvent(row) : undefined;
    },
    async listForUser(userId, limit = 100) {
      return (listUserStmt.all(userId, limit) as Row[]).map(toStoredEvent);
    },
    async count() {
      return (countStmt.get() as { n: number }).n;
    },
  };
}

interface Row {
  id: number;
  received_at: string;
  request_id: string;
  event_json: string;
  raw_request: string;
  dedupe_key: string;
  sub_path: string | null;
  source_address: string | null;
  client_subject: string | null;
}

function toStoredEvent(row: Row): StoredEvent {
  const event = JSON.parse(row.event_json) as ProvisioningEvent;
  return compact({
    ...event,
    id: row.id,
    requestId: row.request_id,
    receivedAt: row.received_at,
    rawRequest: row.raw_request,
    dedupeKey: row.dedupe_key,
    subPath: row.sub_path,
    sourceAddress: row.source_address,
    clientSubject: row.client_subject,
  } as unknown as Record<string, unknown>) as unknown as StoredEvent;
}
