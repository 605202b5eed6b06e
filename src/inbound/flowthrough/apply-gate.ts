import { applyDocument, type AppliedCommand } from '../apply-document';
import { writeResponseDocument } from '../dialect/response-writer';
import type { InboundOutcome } from '../inbound-metrics';
import { documentSecrets, headersForStorage, maskDocument, rawRequestText } from '../mask-request';
import { documentError, Outcome, type CommandAnswer } from './answer';
import { storeUnknownRequest, type ReadDocument } from './document-gates';
import type { Admitted } from './exchange';

function outcomeOf(commandCount: number, results: AppliedCommand[]): InboundOutcome {
  if (commandCount === 0) return 'unknown_command';
  return results.find((r) => !['accepted', 'duplicate', 'status'].includes(r.outcome))?.outcome ?? results[0].outcome;
}

/** The masked request and the answer bytes, as stored for operators. */
interface KeptExchange {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  response: Buffer;
}

/**
 * A document without a command, or with a command type the dialect does not know, is stored for
 * operators; the Outcome returned when that store fails replaces the answer.
 */
async function keepUnknownRequest(x: Admitted, { parsed, doc }: ReadDocument, results: AppliedCommand[], kept: KeptExchange): Promise<Outcome | undefined> {
  const { template } = x;
  const unknownTypes = results.filter((r) => r.outcome === 'unknown_command').map((r) => r.type || '(none)');
  if (doc.commands.length !== 0 && !unknownTypes.length) return undefined;
  const reason =
    doc.commands.length === 0
      ? `no command element (top-level elements: ${doc.otherElements.slice(0, 10).join(', ') || 'none'})`
      : `unknown command type: ${unknownTypes.join(', ')}`;
  const failed = await storeUnknownRequest(x, {
    template: template.name,
    reason,
    headers: kept.headers,
    body: kept.body,
    response: kept.response,
    encoding: parsed.encoding,
    sessionId: doc.sessionId,
  });
  if (failed) return failed;
  x.deps.logger.warn('flow-through request the dialect does not know: stored for operators (answered 4002)', {
    event: 'inbound.unknown_request',
    template: template.name,
    reason,
  });
  return undefined;
}

/** Record mode keeps every exchange for fixture export; a failed write is logged and the AS still gets its answer. */
async function recordExchange(x: Admitted, parsed: ReadDocument['parsed'], kept: KeptExchange): Promise<void> {
  const { deps, facts, template } = x;
  await deps.store.unknownRequests
    .add({
      requestId: facts.requestId,
      template: template.name,
      reason: 'record mode',
      headers: kept.headers,
      body: kept.body,
      kind: 'recorded',
      response: kept.response.toString(parsed.encoding === 'UTF-8' ? 'utf8' : 'latin1'),
    })
    .catch((err: unknown) => deps.logger.error('cannot record a request', { event: 'inbound.record.store_failed', err }));
}

/** Stores the commands (the answer follows the commit), keeps what the dialect does not know, and answers. */
export async function applyGate(x: Admitted, { parsed, doc }: ReadDocument): Promise<Outcome> {
  const { deps, facts, template, req } = x;
  const { config, logger, store } = deps;
  // A large document comes back from the parser thread masked already (off the event loop).
  const maskedBody = parsed.masked ?? maskDocument(parsed.text, documentSecrets(doc, x.headerCredentials?.password));
  const storedHeaders = headersForStorage(req.headers);
  const subPath = Array.isArray(req.params.subPath) ? req.params.subPath.join('/') : undefined;
  const rawRequest = rawRequestText(req.method, req.originalUrl, storedHeaders, maskedBody);

  let results: AppliedCommand[] = [];
  const commands: CommandAnswer[] = [];
  if (doc.commands.length === 0) {
    commands.push({
      echo: '',
      response: {
        type: 'error',
        errorCode: 4002,
        summary: 'Unknown request shape: no command element',
        detail: `request ${facts.requestId}; template ${template.name}`,
      },
    });
  } else {
    try {
      results = await applyDocument(
        { config, logger, store, template, requestId: facts.requestId, rawRequest, subPath, sourceAddress: facts.source, clientSubject: facts.peer.subject },
        doc,
      );
      commands.push(...results.map((r) => ({ echo: r.echo, response: r.response })));
    } catch (err) {
      logger.error('flow-through document could not be applied: answered 5001 so the AS retries', {
        event: 'inbound.apply.failed',
        template: template.name,
        err,
      });
      return new Outcome('persistence_error', documentError(facts, 200, parsed.encoding, doc.sessionId, 5001));
    }
  }
  const responseBytes = writeResponseDocument({
    encoding: parsed.encoding,
    sessionId: doc.sessionId,
    commands,
    variant: deps.dialect?.current().extensions.answerVariant,
  });

  const kept: KeptExchange = { headers: storedHeaders, body: maskedBody, response: responseBytes };
  const failed = await keepUnknownRequest(x, { parsed, doc }, results, kept);
  if (failed) return failed;
  if (template.recordMode || config.provisioning.recordMode) await recordExchange(x, parsed, kept);

  logger.info('flow-through request answered', {
    event: 'inbound.answered',
    template: template.name,
    sessionId: doc.sessionId.slice(0, 256),
    subPath,
    commands: results.map((r) => ({
      position: r.position,
      type: r.type.slice(0, 100),
      userId: r.userId,
      result: r.response.type === 'error' ? r.response.errorCode : r.outcome,
    })),
  });
  return new Outcome(outcomeOf(doc.commands.length, results), { kind: 'document', status: 200, encoding: parsed.encoding, bytes: responseBytes });
}
