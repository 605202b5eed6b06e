import type { Config } from '../config/schema';
import { ImpbError } from '../errors';
import { applyDocument } from '../inbound/apply-document';
import { CANONICAL_FIELDS, COMMAND_TABLE, FIELD_ALIASES, type CanonicalField } from '../inbound/dialect/dialect-table';
import type { RawCommand } from '../inbound/dialect/read-document';
import type { Logger } from '../observability';
import { newRequestId } from '../observability/request-context';
import type { AcceptInput, AcceptOutcome, Store } from '../store';

/**
 * CSV columns of `imp-bridge import`: the fields an assign (UserIntegratedIMPAddRequest)
 * carries, by their canonical names or the dialect's aliases. Not the IM&P password (Webex
 * never receives it) nor isActive (an import is an assign).
 */
export const IMPORT_FIELDS: readonly CanonicalField[] = CANONICAL_FIELDS.filter((f) => f !== 'impPassword' && f !== 'isActive');

/** Canonical field for a CSV header (exact canonical name, else a dialect alias), or undefined. */
export function importFieldFor(column: string): CanonicalField | undefined {
  const name = column.trim();
  if ((IMPORT_FIELDS as readonly string[]).includes(name)) return name as CanonicalField;
  const alias = FIELD_ALIASES[name];
  return alias && IMPORT_FIELDS.includes(alias) ? alias : undefined;
}

/** Largest batch one call takes: the CLI sends a file in batches, each committed on its own. */
export const IMPORT_BATCH_LIMIT = 1000;

export interface ImportRow {
  /** Line of the CSV file (for messages). */
  line: number;
  /** Canonical field → value. */
  fields: Partial<Record<CanonicalField, string>>;
}

export type ImportOutcome = 'imported' | 'would_import' | 'already_imported' | 'already_tracked' | 'invalid' | 'other_template';

export interface ImportRowResult {
  line: number;
  userId?: string;
  outcome: ImportOutcome;
  message?: string;
}

export interface ImportBatchResult {
  template: string;
  dryRun: boolean;
  counts: Record<ImportOutcome, number>;
  rows: ImportRowResult[];
}

export interface ImportDeps {
  config: Config;
  store: Store;
  logger: Logger;
  actor?: string;
}

const ADD_SPEC = COMMAND_TABLE.find((s) => s.kind === 'add')!;

function toCommand(row: ImportRow, position: number): RawCommand {
  const fields = Object.create(null) as Partial<Record<CanonicalField, string>>;
  for (const [k, v] of Object.entries(row.fields)) if (v !== undefined) fields[k as CanonicalField] = v.trim();
  return { position, type: ADD_SPEC.type, spec: ADD_SPEC, fields, malformedFields: [], unknownElements: [] };
}

/**
 * A store whose event log records what would be accepted instead of writing it: the
 * flow-through path (applyDocument) builds and validates the events, this keeps them.
 */
function capturingStore(store: Store): { store: Store; captured: AcceptInput[] } {
  const captured: AcceptInput[] = [];
  const events = Object.assign(Object.create(store.events) as Store['events'], {
    accept: (inputs: AcceptInput[]): Promise<AcceptOutcome[]> => {
      captured.push(...inputs);
      return Promise.resolve(inputs.map(() => ({ eventId: 0, duplicate: false })));
    },
  });
  return { store: Object.assign(Object.create(store) as Store, { events }), captured };
}

/** Already imported (an event of this template with the same dedupe key), or tracked otherwise. */
async function ledgerOutcome(store: Store, input: AcceptInput): Promise<{ outcome: ImportOutcome; message: string } | undefined> {
  const { userId, template } = input.event;
  const events = await store.events.listForUser(userId, 500);
  if (events.some((e) => e.template === template && e.dedupeKey === input.dedupeKey))
    return { outcome: 'already_imported', message: 'skipped, already imported' };
  const subscriber = await store.subscribers.get(userId);
  if (subscriber && subscriber.status !== 'deleted') {
    return {
      outcome: 'already_tracked',
      message: `skipped: already tracked by imp-bridge (status ${subscriber.status}); the AS sends its changes, imp-bridge subscribers resync re-applies them`,
    };
  }
  const [last] = events;
  if (last && last.template === template && last.kind !== 'unassign')
    return { outcome: 'already_tracked', message: 'skipped: imp-bridge already has a pending event for this user from the AS' };
  return undefined;
}

/**
 * Enqueues assigns for users provisioned before imp-bridge existed, through the flow-through
 * path: the same command validation, ownership rule, event builder and dedupe key, accepted
 * by the same `store.events.accept`. A row already imported (same template and dedupe key in
 * the user's events) is skipped, so an interrupted import is resumed by running it again.
 */
export async function importUsers(
  deps: ImportDeps,
  input: { template: string; rows: ImportRow[]; dryRun: boolean; source?: string },
): Promise<ImportBatchResult> {
  const template = await deps.store.templates.get(input.template);
  if (!template)
    throw new ImpbError('IMPB_ERR_TEMPLATE_UNKNOWN', { message: `no template named ${input.template} (see imp-bridge template list)`, status: 404 });
  if (!template.enabled)
    throw new ImpbError('IMPB_ERR_TEMPLATE_UNKNOWN', {
      message: `template ${input.template} is disabled: enable it first (imp-bridge template edit ${input.template} --enabled)`,
      status: 409,
    });

  // Each event keeps its own row as its stored request: a batch's whole text on every event
  // would grow the store with the square of the batch size.
  const origin = `imp-bridge import of ${input.source ?? 'a CSV file'} (template ${template.name}, by ${deps.actor ?? 'admin-api'})`;
  const rowRequest = (row: ImportRow) => `${origin}, line ${row.line}\n${JSON.stringify(row.fields)}`;
  const capture = capturingStore(deps.store);
  const applied = await applyDocument(
    { config: deps.config, logger: deps.logger, store: capture.store, template, requestId: newRequestId(), rawRequest: origin, subPath: 'import' },
    { sessionId: 'import', commands: input.rows.map((r, i) => toCommand(r, i + 1)), otherElements: [] },
  );

  const rows: ImportRowResult[] = [];
  const toAccept: Array<{ index: number; input: AcceptInput }> = [];
  let next = 0;
  for (const [i, a] of applied.entries()) {
    const line = input.rows[i].line;
    if (a.outcome !== 'accepted') {
      const message = a.response.type === 'error' ? a.response.summary : a.outcome;
      rows.push({ line, userId: a.userId, outcome: a.outcome === 'other_template' ? 'other_template' : 'invalid', message });
      continue;
    }
    // The look-ups are synchronous SQLite calls: let AS requests and /healthz in between.
    if (i % 25 === 24) await new Promise((resolve) => setImmediate(resolve));
    const accepted = { ...capture.captured[next++], rawRequest: rowRequest(input.rows[i]) };
    const ledger = await ledgerOutcome(deps.store, accepted);
    if (ledger) rows.push({ line, userId: a.userId, ...ledger });
    else {
      toAccept.push({ index: rows.length, input: accepted });
      rows.push({ line, userId: a.userId, outcome: input.dryRun ? 'would_import' : 'imported' });
    }
  }
  if (!input.dryRun && toAccept.length) {
    const outcomes = await deps.store.events.accept(
      toAccept.map((t) => t.input),
      { duplicateWindowSeconds: deps.config.provisioning.duplicateWindowSeconds },
    );
    outcomes.forEach((o, i) => {
      if (o.duplicate) Object.assign(rows[toAccept[i].index], { outcome: 'already_imported', message: 'skipped, already imported (same row again)' });
    });
    const imported = outcomes.filter((o) => !o.duplicate).length;
    const lineRange = `lines ${input.rows[0].line}-${input.rows[input.rows.length - 1].line}`;
    deps.logger.info('users imported', {
      event: 'import.users',
      template: template.name,
      actor: deps.actor,
      rows: input.rows.length,
      imported,
      source: input.source,
    });
    await deps.store.audit.append({
      actor: deps.actor ?? 'admin-api',
      entityType: 'template',
      entityId: template.name,
      action: 'import',
      after: { imported, rows: input.rows.length },
      detail: `${input.source ?? 'CSV'} ${lineRange}`,
    });
  }
  const counts = { imported: 0, would_import: 0, already_imported: 0, already_tracked: 0, invalid: 0, other_template: 0 } satisfies Record<
    ImportOutcome,
    number
  >;
  for (const r of rows) counts[r.outcome] += 1;
  return { template: template.name, dryRun: input.dryRun, counts, rows };
}
