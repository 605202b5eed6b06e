import type { Config } from '../config/schema';
import type { Template } from '../domain';
import { currentActor, REDACTED, type Logger } from '../observability';
import type { Store, UnknownRequest } from '../store/port';
import { applyDocument } from './apply-document';
import { classifyRequest } from './dialect/classify-request';
import type { DialectProvider } from './dialect/dialect-extensions';
import type { FlowThroughDocument } from './dialect/read-document';
import { declaredEncoding } from './xml/declared-encoding';
import { createShadowEventDeriver } from './relay/shadow-events';

export type ReplayOutcome = 'would_accept' | 'accepted' | 'still_unknown' | 'already_replayed' | 'template_gone' | 'refused';

export interface ReplayResult {
  id: number;
  template: string;
  requestId: string;
  outcome: ReplayOutcome;
  /** `assign user@x` per event accepted (or that would be). */
  events: string[];
  /** Why it is still not understood, or why provision mode refused a command. */
  detail?: string;
}

export interface ReplayDeps {
  config: Config;
  logger: Logger;
  store: Store;
  dialect: DialectProvider;
}

const MASKED_ELEMENT = new RegExp(`<((?:[\\w.-]+:)?[\\w.-]+)(?:\\s[^<>]*)?>${REDACTED.replace(/[[\]]/g, '\\$&')}</\\1\\s*>`, 'g');

/**
 * A stored request as bytes to read again: in its declared encoding, with the masked secret
 * elements left out, so a replay never sets a password to "[REDACTED]".
 */
function replayBytes(row: UnknownRequest): Buffer {
  const text = row.body.replace(MASKED_ELEMENT, '');
  const encoding = declaredEncoding(Buffer.from(text.slice(0, 200), 'latin1'), undefined).encoding;
  return Buffer.from(text, encoding === 'ISO-8859-1' ? 'latin1' : 'utf8');
}

/** `apply`: the stored request accepted as provision mode would, audited (so it is replayed once) and logged. */
async function acceptReplay(
  deps: ReplayDeps,
  input: { row: UnknownRequest; template: Template; document: FlowThroughDocument; requestId: string; actor: string },
) {
  const { row, template, document, requestId, actor } = input;
  const results = await applyDocument(
    {
      config: deps.config,
      logger: deps.logger,
      store: deps.store,
      template,
      requestId,
      rawRequest: `replay of unknown request ${row.id}\n\n${row.body}`,
    },
    document,
  );
  const accepted = results.filter((r) => r.outcome === 'accepted' || r.outcome === 'duplicate');
  await deps.store.audit.append({
    actor,
    entityType: 'unknown_request',
    entityId: String(row.id),
    action: 'replay',
    after: { requestId, results: results.map((r) => ({ type: r.type, userId: r.userId, outcome: r.outcome })) },
  });
  deps.logger.info('unknown request replayed', {
    event: 'inbound.unknown.replayed',
    id: row.id,
    template: row.template,
    actor,
    accepted: accepted.length,
  });
  return accepted;
}

/**
 * Stored unknown requests through the pipeline again, with the dialect extensions now in force.
 * A dry run (the default) says what would be accepted; `apply` accepts it, once per stored
 * request (the audit trail remembers each replay), and audits it.
 */
export function createUnknownRequestReplay(deps: ReplayDeps) {
  const derive = createShadowEventDeriver(deps);
  let busy: Promise<unknown> = Promise.resolve();

  async function replayOne(row: UnknownRequest, apply: boolean, actor: string): Promise<ReplayResult> {
    const base = { id: row.id, template: row.template, requestId: row.requestId, events: [] as string[] };
    const done = await deps.store.audit.list({ entityType: 'unknown_request', entityId: String(row.id), limit: 1 });
    if (done.some((a) => a.action === 'replay')) return { ...base, outcome: 'already_replayed' };
    const template = await deps.store.templates.get(row.template);
    if (!template) return { ...base, outcome: 'template_gone' };
    const groupMode = !template.enterpriseMode && !template.enterpriseIdPattern;
    const classified = classifyRequest(
      { template: row.template, receivedAt: row.receivedAt, body: replayBytes(row) },
      { dialect: deps.dialect.current(), groupMode },
    );
    if (!classified.observation.understood || !classified.document) {
      return {
        ...base,
        outcome: 'still_unknown',
        detail: classified.observation.gaps.map((g) => [g.kind, g.commandType, g.name].filter(Boolean).join(' ')).join('; '),
      };
    }
    const requestId = `replay-${row.id}`;
    if (!apply) {
      const events = await derive(template, classified.document, requestId);
      return {
        ...base,
        outcome: events.length ? 'would_accept' : 'refused',
        events: events.map((e) => `${e.kind} ${e.userId}`),
      };
    }
    const accepted = await acceptReplay(deps, { row, template, document: classified.document, requestId, actor });
    return {
      ...base,
      outcome: accepted.length ? 'accepted' : 'refused',
      events: accepted.map((r) => `${r.type} ${r.userId ?? ''}`.trim()),
    };
  }

  return async function replay(options: {
    template?: string;
    ids?: number[];
    apply?: boolean;
    limit?: number;
    actor?: string;
  }): Promise<{ dryRun: boolean; results: ReplayResult[] }> {
    // One replay at a time in this process: two operators cannot both pass the at-most-once check.
    const run = busy.then(async () => {
      const rows = (await deps.store.unknownRequests.list({ kind: 'unknown', limit: options.limit ?? 1000 }))
        .filter((r) => (options.template === undefined || r.template === options.template) && (options.ids === undefined || options.ids.includes(r.id)))
        .sort((a, b) => a.id - b.id);
      const results: ReplayResult[] = [];
      for (const row of rows) results.push(await replayOne(row, Boolean(options.apply), currentActor(options.actor ?? 'admin-api')));
      return { dryRun: !options.apply, results };
    });
    busy = run.catch(() => undefined);
    return run;
  };
}
export type UnknownRequestReplay = ReturnType<typeof createUnknownRequestReplay>;
