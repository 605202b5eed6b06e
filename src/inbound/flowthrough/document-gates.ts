import { isImpbError } from '../../errors';
import { asErrorCodeFor, asHeadline } from '../dialect/as-error-codes';
import type { FlowThroughDocument } from '../dialect/read-document';
import { writeResponseDocument } from '../dialect/response-writer';
import { headersForStorage, maskDocument } from '../mask-request';
import { declaredEncoding, type XmlEncoding } from '../xml/declared-encoding';
import { readDocumentBytes, type ParsedText, type ReadResult } from '../xml/read-document-bytes';
import { readDocumentInWorker } from '../xml/read-in-worker';
import { documentError, errorCommand, Outcome, sessionIdHint } from './answer';
import { refuseAuthentication } from './access-gates';
import type { Admitted, Exchange } from './exchange';

export interface ReadDocument {
  parsed: ParsedText;
  doc: FlowThroughDocument;
}

export interface UnknownEntry {
  template: string;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  response: Buffer;
  encoding: XmlEncoding;
  sessionId: string;
}

/**
 * Keeps a request the dialect does not know for operators. When the store refuses it, the
 * answer is 5001, so the AS retries rather than the request being lost.
 */
export async function storeUnknownRequest(x: Exchange, entry: UnknownEntry): Promise<Outcome | undefined> {
  const { deps, facts } = x;
  try {
    await deps.store.unknownRequests.add({
      requestId: facts.requestId,
      template: entry.template,
      reason: entry.reason.slice(0, 500),
      headers: entry.headers,
      body: entry.body,
      kind: 'unknown',
      response: entry.response.toString(entry.encoding === 'UTF-8' ? 'utf8' : 'latin1'),
    });
    deps.metrics.unknownRequest(entry.template);
    return undefined;
  } catch (err) {
    deps.logger.error('cannot store an unknown request: answered 5001 so the AS retries', {
      event: 'inbound.unknown.store_failed',
      template: entry.template,
      err,
    });
    return new Outcome('persistence_error', documentError(facts, 200, entry.encoding, entry.sessionId, 5001));
  }
}

/** Small bodies are read inline (microseconds); large ones in a worker thread, off the event loop. */
function readBody(x: Admitted, body: Buffer): Promise<ReadResult> | ReadResult {
  const p = x.deps.config.provisioning;
  const options = {
    limits: { maxElements: p.maxXmlElements, maxNameLength: p.maxXmlNameLength, maxAttributes: p.maxXmlAttributes },
    maxCommands: p.maxCommandsPerDocument,
    dialect: x.deps.dialect?.current().extensions,
  };
  const contentType = x.req.headers['content-type'];
  if (body.length < p.largeBodyBytes) return readDocumentBytes(body, contentType, options);
  return readDocumentInWorker(body, contentType, { ...options, heapLimitMb: p.parseHeapLimitMb, headerPassword: x.headerCredentials?.password });
}

/** Bytes → the dialect's document; a refusal is 4001 (kept for operators when it is well-formed XML in another shape). */
export async function parseGate(x: Admitted, body: Buffer): Promise<Outcome | ReadDocument> {
  // The worker may take the body's memory: the refusal below needs only its head.
  const head = Buffer.from(body.subarray(0, 4096));
  const read = await readBody(x, body);
  if (!read.error) return read;
  const { deps, facts, template } = x;
  const refused = read.error;
  if (!x.authenticated) return refuseAuthentication(x, undefined, 'no credentials (and the document is not readable)');
  deps.logger.info('flow-through document refused', { event: 'inbound.xml.refused', template: template.name, code: refused.code, reason: refused.message });
  const encoding = declaredEncoding(head, x.req.headers['content-type']).encoding ?? 'UTF-8';
  const sessionId = sessionIdHint(head);
  const answer = errorCommand(facts, asErrorCodeFor(refused.code), `${asHeadline(4001)}: ${refused.message}`);
  const responseBytes = writeResponseDocument({ encoding, sessionId, commands: [answer], variant: deps.dialect?.current().extensions.answerVariant });
  const response = new Outcome('xml_error', { kind: 'document', status: 200, encoding, bytes: responseBytes });
  // Well-formed XML in another shape is a dialect the table does not know yet: kept for operators like an unknown command.
  if (!(read.parsed && isImpbError(refused, 'IMPB_ERR_NOT_BROADSOFT_DOCUMENT') && template.enabled)) return response;
  const failed = await storeUnknownRequest(x, {
    template: template.name,
    reason: refused.message,
    headers: headersForStorage(x.req.headers),
    body: read.parsed.masked ?? maskDocument(read.parsed.text, [x.headerCredentials?.password]),
    response: responseBytes,
    encoding,
    sessionId,
  });
  if (failed) return failed;
  deps.logger.warn('flow-through request the dialect does not know: stored for operators (answered 4001)', {
    event: 'inbound.unknown_request',
    template: template.name,
    reason: refused.message,
  });
  return new Outcome('unknown_command', response.answer);
}

/** Document credentials when the header had none; then a disabled template is refused as one. */
export async function documentAccountGate(x: Admitted, { parsed, doc }: ReadDocument): Promise<Outcome | undefined> {
  if (!x.authenticated) {
    if (!doc.credentials) return refuseAuthentication(x, undefined, 'no credentials');
    if (!(await x.deps.verifier.verify(x.template, doc.credentials)))
      return refuseAuthentication(x, doc.credentials, 'wrong user name or password (document credentials)');
    x.authenticated = true;
    x.slot.release();
  }
  if (x.template.enabled) return undefined;
  return new Outcome(
    'unknown_template',
    documentError(x.facts, 404, parsed.encoding, doc.sessionId, 4004, `${asHeadline(4004)}: template ${x.template.name} is disabled`),
  );
}
