import { createHash } from 'node:crypto';
import { RELAY_DELIVERY_KIND, relayLane, templateMode, type RelayDeliveryPayload } from '../../domain';
import { writeResponseDocument } from '../dialect/response-writer';
import type { FlowThroughDocument } from '../dialect/read-document';
import { endToEndHeaders } from '../relay/hop-by-hop';
import type { RelayRequest } from '../relay/relay-forwarder';
import { readDocumentBytes, type ParsedText } from '../xml/read-document-bytes';
import { refuseAuthentication } from './access-gates';
import { documentError, Outcome } from './answer';
import type { Admitted } from './exchange';
import type { QueueDeps } from './relay-gate-deps';
import type { UnknownRequest } from '../../store/port';

/** The recorded exchange (masked), stored in the same unit as the job; undefined when the template records nothing. */
export type RecordEntry = (response: Buffer, reason: string, responseType?: string) => Omit<UnknownRequest, 'id' | 'receivedAt'> | undefined;

/** Header fields never kept with a queued request: the upstream credential is the template's (auth: basic), cookies are the AS's session. */
const NOT_KEPT = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Only a document with at least one command that changes something is queued; a status query needs the upstream's own answer. */
function queueable(doc: FlowThroughDocument): boolean {
  return doc.commands.length > 0 && doc.commands.some((c) => c.spec?.kind !== 'get');
}

function readForQueue(x: Admitted, body: Buffer): { doc: FlowThroughDocument; parsed: ParsedText } | undefined {
  const p = x.deps.config.provisioning;
  const read = readDocumentBytes(body, x.req.headers['content-type'], {
    limits: { maxElements: p.maxXmlElements, maxNameLength: p.maxXmlNameLength, maxAttributes: p.maxXmlAttributes },
    maxCommands: p.maxCommandsPerDocument,
    dialect: x.deps.dialect?.current().extensions,
  });
  return read.error ? undefined : read;
}

function deliveryPayload(x: Admitted, queue: QueueDeps, request: RelayRequest): RelayDeliveryPayload {
  const headers = endToEndHeaders(request.headers);
  for (const name of NOT_KEPT) delete headers[name];
  const contentType = request.headers['content-type'];
  return {
    requestId: x.facts.requestId,
    method: request.method,
    subPath: request.subPath,
    ...(request.query ? { query: request.query } : {}),
    ...(contentType ? { contentType: String(contentType).slice(0, 200) } : {}),
    bodyBytes: request.body.length,
    bodySha256: createHash('sha256').update(request.body).digest('hex'),
    ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}),
    sealed: queue.seal.seal(x.facts.requestId, { headers, body: request.body }),
  };
}

/**
 * `upstream.onFailure: queue`: store and forward. A document that changes something is kept
 * (sealed) with a relay_delivery job in one durable unit of work, and only after its commit does
 * the AS get the dialect's success, one SuccessResponse per command; the pipeline then sends it
 * upstream in the user's order. imp-bridge answers for the upstream here, so it checks the AS's
 * credentials against the template's own provisioning account, as provision mode does.
 * Undefined: not for the queue (not readable, a status query, another method): relayed live.
 */
export async function queueGate(x: Admitted, queue: QueueDeps, request: RelayRequest, recorded: RecordEntry): Promise<Outcome | undefined> {
  const { deps, facts, template } = x;
  const read = request.method === 'POST' || request.method === 'PUT' ? readForQueue(x, request.body) : undefined;
  if (!read || !queueable(read.doc)) {
    x.slot.release();
    return undefined;
  }
  const { doc, parsed } = read;
  const credentials = x.headerCredentials ?? doc.credentials;
  if (!credentials) return refuseAuthentication(x, undefined, 'no credentials (queue mode checks the template account)');
  if (!(await deps.verifier.verify(template, credentials))) return refuseAuthentication(x, credentials, 'wrong user name or password (queue mode)');
  x.authenticated = true;
  x.slot.release();
  const first = doc.commands[0]?.fields;
  const answer = writeResponseDocument({
    encoding: parsed.encoding,
    sessionId: doc.sessionId,
    commands: doc.commands.map((c) => ({ echo: c.echo ?? '', response: { type: 'success' } })),
    variant: deps.dialect?.current().extensions.answerVariant,
  });
  const record = recorded(answer, `${templateMode(template)}: queued for delivery upstream`);
  try {
    await deps.store.transaction(async (tx) => {
      await tx.jobs.enqueue({
        eventId: 0,
        kind: RELAY_DELIVERY_KIND,
        template: template.name,
        userId: relayLane(first?.userId, facts.requestId),
        enterpriseId: first?.serviceProviderId ?? '',
        nextRunAt: Date.now(),
        payload: { delivery: deliveryPayload(x, queue, request) },
      });
      if (record) await tx.unknownRequests.add(record);
    });
  } catch (err) {
    deps.logger.error('relay queue: cannot store the request: answered 5001 so the AS retries', {
      event: 'relay.queue.store_failed',
      template: template.name,
      err,
    });
    return new Outcome('persistence_error', documentError(facts, 200, parsed.encoding, doc.sessionId, 5001));
  }
  queue.wake?.();
  deps.logger.info('relay queue: request stored for delivery upstream (answered success)', {
    event: 'relay.queue.accepted',
    template: template.name,
    mode: templateMode(template),
    userId: first?.userId,
    commands: doc.commands.length,
  });
  return new Outcome('queued', { kind: 'document', status: 200, encoding: parsed.encoding, bytes: answer });
}
