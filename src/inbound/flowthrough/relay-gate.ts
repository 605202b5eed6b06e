import type { IncomingHttpHeaders } from 'node:http';
import { templateMode, type Template } from '../../domain';
import { isImpbError } from '../../errors';
import { headersForStorage, maskDocument } from '../mask-request';
import { readBodyWithLimit } from '../read-body';
import type { RelayAnswer, RelayRequest } from '../relay/relay-forwarder';
import { declaredEncoding } from '../xml/declared-encoding';
import { documentError, isOutcome, Outcome, plainAnswer, sessionIdHint } from './answer';
import type { Admitted } from './exchange';
import { queueGate, type RecordEntry } from './queue-gate';
import type { RelayGateDeps } from './relay-gate-deps';

const FLOWTHROUGH_PREFIX = '/provisioning/v1/';

/** What followed `/provisioning/v1/<template>` in the URL as sent ('' or '/a/b'), query excluded. */
export function relaySubPath(originalUrl: string, templateName: string): string {
  const pathOnly = originalUrl.split('?')[0];
  const base = `${FLOWTHROUGH_PREFIX}${templateName}`;
  return pathOnly.startsWith(base) ? pathOnly.slice(base.length) : '';
}

/** Bytes as they may be stored: decoded in their declared encoding (latin-1 when unknown, which maps every byte), then masked. */
export function storableText(bytes: Buffer, contentType: string | undefined, knownSecrets: Array<string | undefined>): string {
  const encoding = declaredEncoding(bytes, contentType).encoding;
  return maskDocument(bytes.toString(encoding === 'UTF-8' ? 'utf8' : 'latin1'), knownSecrets);
}

/** The request as it will be forwarded: method, sub-path, query, fields and body bytes (413 past the body limit). */
async function readRelayRequest(x: Admitted): Promise<Outcome | { request: RelayRequest; body: Buffer }> {
  const { deps, req, template, facts } = x;
  let body: Buffer;
  try {
    body = await readBodyWithLimit(req, deps.config.provisioning.bodyLimitBytes);
  } catch (err) {
    if (!isImpbError(err, 'IMPB_ERR_BODY_TOO_LARGE')) throw err;
    return new Outcome(
      'too_large',
      plainAnswer(413, `request body larger than ${deps.config.provisioning.bodyLimitBytes} bytes`, {
        Connection: 'close',
      }),
    );
  }
  const q = req.originalUrl.indexOf('?');
  const request: RelayRequest = {
    method: req.method,
    subPath: relaySubPath(req.originalUrl, template.name),
    query: q < 0 ? undefined : req.originalUrl.slice(q + 1),
    headers: req.headers,
    body,
    remoteAddress: facts.source,
  };
  return { request, body };
}

/** Shadow mode's dialect check and dry run of one exchange (never fails the exchange). */
async function shadowLook(
  x: Admitted,
  relay: RelayGateDeps,
  request: RelayRequest,
  answer: RelayAnswer,
  knownSecrets: Array<string | undefined>,
): Promise<void> {
  const { template, facts, deps } = x;
  if (templateMode(template) !== 'shadow' || !relay.shadow) return;
  await relay
    .shadow({ template, requestId: facts.requestId, request, answer, knownSecrets })
    .catch((err: unknown) => deps.logger.error('shadow analysis failed', { event: 'shadow.failed', template: template.name, err }));
}

function queueNotWired(x: Admitted, body: Buffer): Outcome {
  x.slot.release();
  x.deps.logger.error('relay queue: this process has no delivery queue wired; answered 5001 so the AS retries', {
    event: 'relay.queue.not_wired',
    template: x.template.name,
  });
  return new Outcome('persistence_error', documentError(x.facts, 200, 'UTF-8', sessionIdHint(body), 5001));
}

export function isRelayed(template: Template): boolean {
  return templateMode(template) !== 'provision';
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A relay or shadow template: after the client check (mTLS and cluster rules), before the
 * provisioning account: the AS's credentials are the upstream's business (passthrough), so
 * imp-bridge neither checks nor throttles them. Every exchange is recorded (masked) unless the
 * template says `upstream.record: false`.
 */
export async function relayGate(x: Admitted, relay: RelayGateDeps): Promise<Outcome> {
  const { deps, facts, template, req } = x;
  // Queue mode checks the template account (queue-gate.ts): its throttle slot stays until then.
  const queueMode = template.upstream?.onFailure === 'queue';
  if (!queueMode) x.slot.release();
  if (!template.enabled) return new Outcome('unknown_template', documentError(facts, 404, 'UTF-8', '', 4004), true);
  if (!template.upstream) {
    deps.logger.error('relay template without an upstream: answered 502', {
      event: 'relay.no_upstream',
      template: template.name,
    });
    return new Outcome('relay_failed', plainAnswer(502, `template ${template.name} has no upstream.url`), true);
  }
  const read = await readRelayRequest(x);
  if (isOutcome(read)) return read;
  const { request, body } = read;
  const knownSecrets = [x.headerCredentials?.password, template.upstream.password];
  const contentType = headerText(req.headers, 'content-type');
  const entry: RecordEntry = (response, reason, responseType) =>
    template.upstream?.record === false
      ? undefined
      : {
          requestId: facts.requestId,
          template: template.name,
          reason,
          headers: headersForStorage(req.headers),
          body: storableText(body, contentType, knownSecrets),
          kind: 'recorded',
          response: storableText(response, responseType, knownSecrets),
        };
  if (queueMode) {
    const queued = relay.queue ? await queueGate(x, relay.queue, request, entry) : queueNotWired(x, body);
    if (queued?.answer.kind === 'document' && queued.outcome === 'queued') {
      // Shadow's record keeps what the AS was answered; the delivery's outcome is on the job.
      const ours: RelayAnswer = { answered: true, status: 200, contentType: 'text/xml', headers: {}, body: queued.answer.bytes, durationMs: 0 };
      await shadowLook(x, relay, request, ours, knownSecrets);
    }
    if (queued) return queued;
  }
  const answer = await relay.upstreams.forwarder(template.name, template.upstream).forward(request);
  if (!answer.answered)
    deps.logger.warn('relay: the upstream did not answer (answered 502)', {
      event: 'relay.no_answer',
      template: template.name,
      code: answer.error?.code,
      reason: answer.error?.details['reason'],
    });
  const record = entry(
    answer.body,
    `${templateMode(template)}: upstream ${answer.answered ? `answered ${answer.status}` : `did not answer (${answer.error?.code ?? 'error'})`}`,
    answer.contentType,
  );
  if (record) {
    await deps.store.unknownRequests.add(record).catch((err: unknown) =>
      deps.logger.error('cannot record a relayed request', {
        event: 'relay.record.store_failed',
        template: template.name,
        err,
      }),
    );
  }
  await shadowLook(x, relay, request, answer, knownSecrets);
  return new Outcome(answer.answered ? 'relayed' : 'relay_failed', {
    kind: 'relayed',
    status: answer.status,
    contentType: answer.contentType,
    headers: answer.headers,
    bytes: answer.body,
  });
}
