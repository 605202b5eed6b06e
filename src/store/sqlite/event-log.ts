import type Database from 'better-sqlite3';
import { duplicateOf, makesJob, type Clock } from '../../domain';
import type { AcceptInput, AcceptOutcome, EventLog, LatestEvent, StoredEvent } from '../port';
import { ownershipQuery, toOwnership, type OwnershipRow } from '../shared/ownership-row';
import { toStoredEventRecord, type EventRowOf } from '../shared/event-rows';
import { columnTime, recordTime, SQLITE_COLUMNS } from './json';
import { COMPRESS_AT, packRequestText, unpackRequestText } from './stored-text';
import { runUnit, type UnitLock } from './unit-of-work';
import type { WalSync } from './wal-sync';

/** Events written per turn of the event loop when one accept is large. */
const CHUNK = 200;

interface PendingAccept {
  inputs: AcceptInput[];
  windowSeconds: number;
  /** The document's text as stored (a large one deflated, stored-text.ts). */
  rawRequest?: string | Buffer;
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

/** With `walSync`, commits skip the fsync on this thread and answers wait for the WAL flush (wal-sync.ts). */
// eslint-disable-next-line max-lines-per-function -- a createX factory: one closure over shared state returning small methods, each well under 80 lines (see docs/architecture.md); prepared statements are shared
export function createSqliteEventLog(db: Database.Database, clock: Clock, lock?: UnitLock, walSync?: WalSync): SqliteEventLog {
  // The store only answers "the user's latest event"; the duplicate rule is the domain's.
  const latestOfUser = db.prepare('SELECT id, dedupe_key, received_at FROM inbound_events WHERE user_id = ? ORDER BY id DESC LIMIT 1');
  const insertRequest = db.prepare('INSERT INTO requests (received_at, request_id, raw_request) VALUES (?, ?, ?)');
  // raw_request stays '' on new rows: the text lives once in requests (migration 5). The two
  // inserts of every accepted event bind by position: better-sqlite3 looks each named
  // parameter up on the object passed, which cost more than the rest of the binding.
  const insertEvent = db.prepare(
    `INSERT INTO inbound_events (received_at, request_id, template, kind, user_id, enterprise_id, event_json, raw_request, request_ref, dedupe_key, sub_path, source_address, client_subject)
     VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?)`,
  );
  const insertJob = db.prepare(
    `INSERT INTO jobs (event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, 0, ?, ?, ?)`,
  );
  const columns = 'e.*, COALESCE(r.raw_request, e.raw_request) AS raw_text';
  const getStmt = db.prepare(`SELECT ${columns} FROM inbound_events e LEFT JOIN requests r ON r.id = e.request_ref WHERE e.id = ?`);
  const listUserStmt = db.prepare(
    `SELECT ${columns} FROM inbound_events e LEFT JOIN requests r ON r.id = e.request_ref WHERE e.user_id = ? ORDER BY e.id DESC LIMIT ?`,
  );
  const countStmt = db.prepare('SELECT COUNT(*) AS n FROM inbound_events');
  const latestStmt = db.prepare(
    'SELECT id, kind, template, enterprise_id AS enterpriseId, received_at AS receivedAt FROM inbound_events WHERE user_id = ? ORDER BY id DESC LIMIT 1',
  );

  const ownershipStmt = db.prepare(ownershipQuery('?'));

  type Clocked = { nowMs: number; nowText: string };
  const stamp = (): Clocked => {
    const nowMs = clock.now();
    return { nowMs, nowText: columnTime(nowMs) };
  };
  /** Each distinct request text of one accept is stored once; its events reference it. */
  const requestRefs = (pending: PendingAccept, at: Clocked) => {
    // The document's own text is referenced without a Map look-up: keying a Map by a 10 MB
    // concatenated string flattens (copies) it on the event loop.
    let shared: number | undefined;
    const refs = new Map<string, number>();
    const insert = (requestId: string, text: string | Buffer) => Number(insertRequest.run(at.nowText, requestId, text).lastInsertRowid);
    return (input: AcceptInput): number | null => {
      if (input.rawRequest === undefined) {
        if (pending.rawRequest === undefined) return null;
        return (shared ??= insert(input.requestId, pending.rawRequest));
      }
      let ref = refs.get(input.rawRequest);
      if (ref === undefined) refs.set(input.rawRequest, (ref = insert(input.requestId, input.rawRequest)));
      return ref;
    };
  };
  const writeOne = (pending: PendingAccept, input: AcceptInput, requestRef: (input: AcceptInput) => number | null, at: Clocked): AcceptOutcome => {
    if (pending.windowSeconds > 0) {
      const latest = latestOfUser.get(input.event.userId) as { id: number; dedupe_key: string; received_at: string } | undefined;
      const original = duplicateOf(
        input.dedupeKey,
        latest && { id: latest.id, dedupeKey: latest.dedupe_key, receivedAt: recordTime(latest.received_at) },
        at.nowMs,
        pending.windowSeconds,
      );
      if (original !== undefined) return { eventId: original, duplicate: true };
    }
    const { event } = input;
    const eventJson = JSON.stringify(event);
    const info = insertEvent.run(
      at.nowText,
      input.requestId,
      event.template,
      event.kind,
      event.userId,
      event.enterpriseId,
      eventJson,
      requestRef(input),
      input.dedupeKey,
      input.subPath ?? null,
      input.sourceAddress ?? null,
      input.clientSubject ?? null,
    );
    const eventId = Number(info.lastInsertRowid);
    // The job's payload is { event }, written around the event's JSON rather than serialised twice.
    if (makesJob(event))
      insertJob.run(eventId, event.kind, event.template, event.userId, event.enterpriseId, at.nowMs, `{"event":${eventJson}}`, at.nowText, at.nowText);
    return { eventId, duplicate: false };
  };
  const writeBatch = db.transaction((batch: PendingAccept[]) => {
    const at = stamp();
    return batch.map((pending) => {
      const ref = requestRefs(pending, at);
      return pending.inputs.map((input) => writeOne(pending, input, ref, at));
    });
  });
  /**
   * A large batch (one document of many commands) is one transaction too, written in chunks
   * with a turn of the event loop between them, so /healthz and other sockets are served
   * while it is stored. It holds the unit lock: other writers wait for its commit.
   */
  const writeLarge = (batch: PendingAccept[]): Promise<AcceptOutcome[][]> =>
    runUnit(
      db,
      lock!,
      async () => {
        const at = stamp();
        const results: AcceptOutcome[][] = [];
        let written = 0;
        for (const pending of batch) {
          const ref = requestRefs(pending, at);
          const out: AcceptOutcome[] = [];
          for (const input of pending.inputs) {
            out.push(writeOne(pending, input, ref, at));
            if (++written % CHUNK === 0) await new Promise((resolve) => setImmediate(resolve));
          }
          results.push(out);
        }
        return results;
      },
      false,
    );
  const write = async (batch: PendingAccept[]): Promise<AcceptOutcome[][]> =>
    lock && batch.reduce((n, p) => n + p.inputs.length, 0) > CHUNK ? writeLarge(batch) : walSync ? walSync.commit(() => writeBatch(batch)) : writeBatch(batch);
  /** Resolves once what was committed is on disk (at once without walSync: COMMIT synced it). */
  const durable = async (): Promise<void> => {
    if (walSync) await walSync.flushed();
  };

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
  const flush = (): void => {
    // A unit of work holds the connection: this batch commits right after it.
    if (lock?.held() && !lock.inside()) {
      void lock.whenFree(flush);
      return;
    }
    // A commit made while the WAL is being flushed would wait for the next flush anyway: the batch grows until then.
    if (walSync?.busy()) return walSync.whenIdle(flush);
    scheduled = false;
    const batch = queue;
    queue = [];
    stats.commits++;
    stats.accepted += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    void settle(batch);
  };
  /** Answers the committed requests once their commit is on disk (a failed flush fails them all). */
  const answer = async (committed: Array<[PendingAccept, AcceptOutcome[]]>): Promise<void> => {
    if (!committed.length) return;
    try {
      await durable();
    } catch (err) {
      for (const [pending] of committed) pending.reject(err);
      return;
    }
    for (const [pending, outcomes] of committed) pending.resolve(outcomes);
    notify();
  };
  const settle = async (batch: PendingAccept[]): Promise<void> => {
    let results: AcceptOutcome[][];
    try {
      results = await write(batch);
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // One bad input must not fail the requests it happened to share a commit with:
      // retry each on its own so only the faulty one is refused.
      const committed: Array<[PendingAccept, AcceptOutcome[]]> = [];
      for (const pending of batch) {
        try {
          committed.push([pending, (await write([pending]))[0]]);
        } catch (own) {
          pending.reject(own);
        }
      }
      return answer(committed);
    }
    return answer(batch.map((pending, i) => [pending, results[i]]));
  };

  const enqueue = (inputs: AcceptInput[], windowSeconds: number, rawRequest: string | Buffer | undefined) =>
    new Promise<AcceptOutcome[]>((resolve, reject) => {
      queue.push({ inputs, windowSeconds, rawRequest, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });

  return {
    commitStats: () => ({ ...stats }),
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    accept(inputs, options) {
      const raw = options.rawRequest;
      // A large document is deflated off the event loop first; the others are queued in this turn (group commit).
      if (raw !== undefined && raw.length >= COMPRESS_AT) return packRequestText(raw).then((packed) => enqueue(inputs, options.duplicateWindowSeconds, packed));
      return enqueue(inputs, options.duplicateWindowSeconds, raw);
    },
    async get(id) {
      const row = getStmt.get(id) as Row | undefined;
      return row ? toStoredEvent(row) : undefined;
    },
    async listForUser(userId, limit = 100) {
      return (listUserStmt.all(userId, limit) as Row[]).map(toStoredEvent);
    },
    async latestForUser(userId) {
      const row = latestStmt.get(userId) as (Omit<LatestEvent, 'receivedAt'> & { receivedAt: string }) | undefined;
      return row && { ...row, receivedAt: recordTime(row.receivedAt) };
    },
    async ownershipOf(userId) {
      return toOwnership(ownershipStmt.get(userId) as OwnershipRow);
    },
    async count() {
      return (countStmt.get() as { n: number }).n;
    },
  };
}

/** better-sqlite3 hands the id over as a number; the request text is as stored-text.ts keeps it (a large one deflated). */
type Row = EventRowOf<number, string, string | Buffer | null>;

function toStoredEvent(row: Row): StoredEvent {
  return toStoredEventRecord(row, SQLITE_COLUMNS, unpackRequestText(row.raw_text));
}
