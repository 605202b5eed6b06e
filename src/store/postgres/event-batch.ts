import { duplicateOf, makesJob, type Clock } from '../../domain';
import type { AcceptInput, AcceptOutcome } from '../port';
import type { PgExecutor } from './pg-db';
import { num } from './rows';

export interface PendingAccept {
  inputs: AcceptInput[];
  windowSeconds: number;
  rawRequest?: string;
  resolve: (outcomes: AcceptOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Each user's latest event (the duplicate rule needs only that, one index probe per user) and
 * ids for every row the batch may write, in one round trip. Ids are taken up front so that the
 * three inserts are one statement, and an unused id is only a gap.
 */
const PREPARE = `
  SELECT
    (SELECT COALESCE(json_agg(json_build_object('u', u.user_id, 'id', e.id, 'k', e.dedupe_key, 'at', e.received_at)), '[]'::json)
       FROM unnest($1::text[]) AS u(user_id)
       CROSS JOIN LATERAL (SELECT id, dedupe_key, received_at FROM inbound_events WHERE user_id = u.user_id ORDER BY id DESC LIMIT 1) e) AS latest,
    ARRAY(SELECT nextval('inbound_events_id_seq') FROM generate_series(1, $2)) AS event_ids,
    ARRAY(SELECT nextval('jobs_id_seq') FROM generate_series(1, $3)) AS job_ids,
    ARRAY(SELECT nextval('requests_id_seq') FROM generate_series(1, $4)) AS request_ids`;

/** The batch in one statement (its own transaction): requests, events, jobs (the lane trigger follows), and the wake-up for other instances. */
const WRITE = `
  WITH r AS (
    INSERT INTO requests (id, received_at, request_id, raw_request) SELECT id, $1, rid, txt FROM unnest($2::bigint[], $3::text[], $4::text[]) AS t(id, rid, txt)
  ), e AS (
    INSERT INTO inbound_events (id, received_at, request_id, template, kind, user_id, enterprise_id, event_json, request_ref, dedupe_key, sub_path, source_address, client_subject)
    SELECT id, $1, rid, tpl, kind, uid, ent, ej, ref, dk, sp, sa, cs
    FROM unnest($5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[])
      AS t(id, rid, tpl, kind, uid, ent, ej, ref, dk, sp, sa, cs)
  ), j AS (
    INSERT INTO jobs (id, event_id, kind, template, user_id, enterprise_id, state, attempts, next_run_at, lookup_first, payload_json, created_at, updated_at)
    SELECT id, ev, kind, tpl, uid, ent, 'queued', 0, $1, false, pl, $1, $1
    FROM unnest($17::bigint[], $18::bigint[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[]) AS t(id, ev, kind, tpl, uid, ent, pl)
    RETURNING 1
  )
  SELECT pg_notify($24, '') FROM (SELECT 1 FROM j LIMIT 1) AS woke`;

type Columns = { requests: unknown[][]; events: unknown[][]; jobs: unknown[][] };

/** Writes one batch of accept calls; resolves with each call's outcomes, in order. */
export async function writeBatch(q: PgExecutor, clock: Clock, channel: string, batch: PendingAccept[]): Promise<AcceptOutcome[][]> {
  const now = clock.now();
  const inputs = batch.flatMap((p) => p.inputs);
  const checked = batch.some((p) => p.windowSeconds > 0) ? [...new Set(inputs.map((i) => i.event.userId))] : [];
  const texts = batch.reduce((n, p) => n + new Set(p.inputs.map((i) => i.rawRequest ?? p.rawRequest).filter((t) => t !== undefined)).size, 0);
  const prepared = (
    await q.query<{
      latest: Array<{ u: string; id: string | number; k: string; at: string | number }>;
      event_ids: string[];
      job_ids: string[];
      request_ids: string[];
    }>(PREPARE, [checked, inputs.length, inputs.length, texts])
  ).rows[0];
  const ids = (list: string[]) => list.map(Number).sort((a, b) => a - b);
  const next = { events: ids(prepared.event_ids), jobs: ids(prepared.job_ids), requests: ids(prepared.request_ids) };
  const latest = new Map(prepared.latest.map((l) => [l.u, { id: num(l.id), dedupeKey: l.k, receivedAt: num(l.at) }]));
  const cols: Columns = { requests: [[], [], []], events: Array.from({ length: 12 }, () => []), jobs: Array.from({ length: 7 }, () => []) };
  const outcomes = batch.map((pending) => {
    const refs = new Map<string, number>();
    return pending.inputs.map((input): AcceptOutcome => {
      const original = duplicateOf(input.dedupeKey, latest.get(input.event.userId), now, pending.windowSeconds);
      if (original !== undefined) return { eventId: original, duplicate: true };
      const text = input.rawRequest ?? pending.rawRequest;
      let ref: number | null = null;
      if (text !== undefined) {
        ref = refs.get(text) ?? null;
        if (ref === null) {
          refs.set(text, (ref = next.requests.shift()!));
          push(cols.requests, [ref, input.requestId, text]);
        }
      }
      const eventId = next.events.shift()!;
      const { event } = input;
      push(cols.events, [eventId, input.requestId, event.template, event.kind, event.userId, event.enterpriseId, JSON.stringify(event), ref, input.dedupeKey]);
      cols.events[9].push(input.subPath ?? null);
      cols.events[10].push(input.sourceAddress ?? null);
      cols.events[11].push(input.clientSubject ?? null);
      if (makesJob(event))
        push(cols.jobs, [next.jobs.shift()!, eventId, event.kind, event.template, event.userId, event.enterpriseId, JSON.stringify({ event })]);
      // A re-send later in this very batch is a duplicate of this event.
      latest.set(event.userId, { id: eventId, dedupeKey: input.dedupeKey, receivedAt: now });
      return { eventId, duplicate: false };
    });
  });
  if (cols.events[0].length) await q.query(WRITE, [now, ...cols.requests, ...cols.events, ...cols.jobs, channel]);
  return outcomes;
}

function push(columns: unknown[][], values: unknown[]): void {
  values.forEach((v, i) => columns[i].push(v));
}
