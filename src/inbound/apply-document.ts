import { createHmac, hash } from 'node:crypto';
import type { Config } from '../config/schema';
import { enterpriseIdFor, toIsoTime, webexLanguageFor, type EventKind, type ProvisioningEvent, type Template, type UserProfile } from '../domain';
import type { Logger } from '../observability';
import type { AcceptInput, Store } from '../store';
import { asHeadline } from './dialect/as-error-codes';
import type { CanonicalField } from './dialect/dialect-table';
import type { FlowThroughDocument, RawCommand } from './dialect/read-document';
import type { CommandResponse } from './dialect/response-writer';
import { describeProblems, isPasswordOnlyModify, validateCommand } from './dialect/validate-command';
import type { InboundOutcome } from './inbound-metrics';

export interface ApplyContext {
  config: Config;
  logger: Logger;
  store: Store;
  template: Template;
  requestId: string;
  /** Masked request (headers minus Authorization + masked body), stored with each event. */
  rawRequest: string;
  subPath?: string;
  sourceAddress?: string;
  clientSubject?: string;
}

export interface AppliedCommand {
  echo: string;
  response: CommandResponse;
  position: number;
  type: string;
  userId?: string;
  outcome: InboundOutcome;
}

type Fields = Partial<Record<CanonicalField, string>>;

const PROFILE_MAP: Array<[CanonicalField, keyof UserProfile]> = [
  ['firstName', 'firstName'],
  ['lastName', 'lastName'],
  ['emailAddress', 'email'],
  ['phoneNumber', 'phoneNumber'],
  ['extension', 'extension'],
  ['mobilePhoneNumber', 'mobilePhoneNumber'],
  ['language', 'language'],
  ['timeZone', 'timeZone'],
  ['impId', 'impId'],
];

function errorResponse(ctx: ApplyContext, code: 4001 | 4002 | 4003 | 4005 | 5001, message?: string): CommandResponse {
  return { type: 'error', errorCode: code, summary: message ?? asHeadline(code), detail: `request ${ctx.requestId}; template ${ctx.template.name}` };
}

/** The template that owns a user: its live subscriber record, else its latest pending event. */
async function ownerOf(store: Store, userId: string): Promise<{ template: string; enterpriseId: string } | undefined> {
  const { subscriber, latest } = await store.events.ownershipOf(userId);
  if (subscriber) return subscriber.status === 'deleted' ? undefined : { template: subscriber.template, enterpriseId: subscriber.enterpriseId };
  if (latest && latest.kind !== 'unassign') return { template: latest.template, enterpriseId: latest.enterpriseId };
  return undefined;
}

function eventKindOf(kind: 'add' | 'modify' | 'delete', fields: Fields): EventKind {
  if (kind === 'add') return 'assign';
  if (kind === 'delete') return 'unassign';
  if (fields.isActive === 'false') return 'unassign';
  if (fields.isActive === 'true') return 'assign';
  return 'modify';
}

function toEvent(ctx: ApplyContext, kind: 'add' | 'modify' | 'delete', fields: Fields, knownEnterpriseId: string | undefined): ProvisioningEvent {
  const { template } = ctx;
  const profile: UserProfile = {};
  for (const [field, key] of PROFILE_MAP) {
    const value = fields[field];
    if (value === undefined) continue;
    if (key === 'language' && value !== '') {
      const code = webexLanguageFor(value, template.languageMap);
      if (code === undefined) {
        ctx.logger.warn('unknown BroadWorks language: not sent to Webex (add it to the template languageMap)', {
          event: 'inbound.language.unknown',
          template: template.name,
          language: value.slice(0, 64),
        });
        continue;
      }
      profile.language = code;
      continue;
    }
    profile[key] = value;
  }
  const sp = fields.serviceProviderId;
  const computable = sp !== undefined && (template.enterpriseIdPattern !== undefined || template.enterpriseMode || fields.groupId !== undefined);
  const enterpriseId = computable
    ? enterpriseIdFor(template, { serviceProviderId: sp, groupId: fields.groupId, resellerId: fields.resellerId })
    : (knownEnterpriseId ?? '');
  const eventKind = eventKindOf(kind, fields);
  const event: ProvisioningEvent = { kind: eventKind, template: template.name, userId: fields.userId!, enterpriseId, profile };
  if (sp !== undefined) event.serviceProviderId = sp;
  if (fields.groupId !== undefined) event.groupId = fields.groupId;
  if (fields.resellerId !== undefined) event.resellerId = fields.resellerId;
  if (kind === 'modify' && eventKind === 'modify' && isPasswordOnlyModify(fields)) event.passwordOnly = true;
  return event;
}

/**
 * Same template + same command content → same key. The IM&P password enters only as an HMAC
 * keyed with the template's stored hash, so the key reveals nothing a reader could test.
 */
export function dedupeKeyFor(template: Template, kind: string, fields: Fields): string {
  const entries = (Object.keys(fields) as CanonicalField[])
    .sort()
    .map((f) => [f, f === 'impPassword' ? createHmac('sha256', template.account.passwordHash).update(fields[f]!).digest('base64') : fields[f]]);
  return hash('sha256', JSON.stringify([template.name, kind, entries]), 'hex');
}

async function statusResponse(ctx: ApplyContext, userId: string): Promise<CommandResponse> {
  const subscriber = await ctx.store.subscribers.get(userId);
  if (subscriber) {
    return {
      type: 'get',
      fields: [
        ['userId', userId],
        ['isActive', String(subscriber.isActive)],
        ['status', subscriber.status],
        ['lastStatusChange', toIsoTime(subscriber.lastStatusChange)],
        ['errorCode', subscriber.lastErrorCode],
        ['description', subscriber.lastErrorDescription],
      ],
    };
  }
  const last = await ctx.store.events.latestForUser(userId);
  if (last && last.template === ctx.template.name) {
    return {
      type: 'get',
      fields: [
        ['userId', userId],
        ['isActive', String(last.kind !== 'unassign')],
        ['status', 'queued'],
        ['lastStatusChange', toIsoTime(last.receivedAt)],
      ],
    };
  }
  return {
    type: 'get',
    fields: [
      ['userId', userId],
      ['isActive', 'false'],
      ['status', 'none'],
    ],
  };
}

/** Unknown elements are ignored, not refused; the log names them (at most 20, each cut to 64 characters). */
/** One line per document, not per command: 100 commands with an unknown element each cost 100 redacted log lines on the event loop. */
function logUnknownElements(ctx: ApplyContext, commands: RawCommand[]): void {
  if (!commands.length) return;
  ctx.logger.info('command carries elements the dialect table does not know: ignored', {
    event: 'inbound.fields.unknown',
    template: ctx.template.name,
    type: commands[0].type,
    ...(commands.length > 1 ? { commands: commands.length, types: [...new Set(commands.map((c) => c.type.slice(0, 100)))].slice(0, 10) } : {}),
    elements: [...new Set(commands.flatMap((c) => c.unknownElements))].slice(0, 20).map((e) => e.slice(0, 64)),
  });
}

/**
 * All or nothing: when the store cannot take the events, every accepted command of the document
 * is answered 5001 instead of success, so the AS re-sends the whole document.
 */
async function acceptInOneTransaction(
  ctx: ApplyContext,
  results: AppliedCommand[],
  pendingAccept: Array<{ index: number; input: AcceptInput }>,
): Promise<void> {
  try {
    const outcomes = await ctx.store.events.accept(
      pendingAccept.map((p) => p.input),
      // The document is stored once; its events reference it.
      { duplicateWindowSeconds: ctx.config.provisioning.duplicateWindowSeconds, rawRequest: ctx.rawRequest },
    );
    outcomes.forEach((o, i) => {
      if (o.duplicate) results[pendingAccept[i].index].outcome = 'duplicate';
    });
  } catch (err) {
    ctx.logger.error('cannot persist flow-through commands: answered 5001 so the AS retries', {
      event: 'inbound.persist.failed',
      template: ctx.template.name,
      err,
    });
    for (const p of pendingAccept) {
      const r = results[p.index];
      r.response = errorResponse(ctx, 5001);
      r.outcome = 'persistence_error';
    }
  }
}

/**
 * Answers every command of a document, in order. Valid assign/modify/unassign commands are
 * accepted into the store in one transaction (with the masked raw request) before any of them
 * is answered with success; status queries are answered from the store afterwards, so a
 * query behind an add in the same document sees it.
 */
export async function applyDocument(ctx: ApplyContext, doc: FlowThroughDocument): Promise<AppliedCommand[]> {
  const multi = doc.commands.length > 1;
  const results: AppliedCommand[] = [];
  const pendingAccept: Array<{ index: number; input: AcceptInput }> = [];
  const pendingStatus: Array<{ index: number; userId: string }> = [];
  const withUnknownElements: RawCommand[] = [];

  for (const command of doc.commands) {
    const base = { echo: command.echo ?? (multi ? String(command.position) : ''), position: command.position, type: command.type };
    const index = results.length;
    if (command.typeProblem) {
      results.push({
        ...base,
        userId: command.fields.userId,
        response: errorResponse(ctx, 4001, `${asHeadline(4001)}: xsi:type ${command.typeProblem}`),
        outcome: 'invalid',
      });
      continue;
    }
    if (!command.spec) {
      const shown = command.type ? command.type.slice(0, 100) : '(no xsi:type)';
      results.push({ ...base, response: errorResponse(ctx, 4002, `Unknown command type: ${shown}`), outcome: 'unknown_command' });
      continue;
    }
    if (command.unknownElements.length) withUnknownElements.push(command);
    const validated = validateCommand(command as RawCommand & { spec: NonNullable<RawCommand['spec']> }, {
      groupMode: !ctx.template.enterpriseMode && !ctx.template.enterpriseIdPattern,
    });
    if (!validated.ok) {
      results.push({ ...base, userId: command.fields.userId, response: errorResponse(ctx, 4003, describeProblems(validated)), outcome: 'invalid' });
      continue;
    }
    const userId = validated.fields.userId!;
    const owner = await ownerOf(ctx.store, userId);
    if (owner && owner.template !== ctx.template.name) {
      results.push({ ...base, userId, response: errorResponse(ctx, 4005, `User belongs to another template: ${userId}`), outcome: 'other_template' });
      continue;
    }
    if (validated.kind === 'get') {
      pendingStatus.push({ index, userId });
      results.push({ ...base, userId, response: { type: 'success' }, outcome: 'status' });
      continue;
    }
    const event = toEvent(ctx, validated.kind, validated.fields, owner?.enterpriseId);
    pendingAccept.push({
      index,
      input: {
        event,
        requestId: ctx.requestId,
        dedupeKey: dedupeKeyFor(ctx.template, validated.kind, validated.fields),
        subPath: ctx.subPath,
        sourceAddress: ctx.sourceAddress,
        clientSubject: ctx.clientSubject,
      },
    });
    results.push({ ...base, userId, response: { type: 'success' }, outcome: 'accepted' });
  }
  logUnknownElements(ctx, withUnknownElements);

  if (pendingAccept.length) await acceptInOneTransaction(ctx, results, pendingAccept);
  for (const s of pendingStatus) results[s.index].response = await statusResponse(ctx, s.userId);
  return results;
}
