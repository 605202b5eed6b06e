import type { IncomingHttpHeaders } from 'node:http';
import { templateMode, type Template } from '../../domain';
import { isImpbError } from '../../errors';
import { headersForStorage, maskDocument } from '../mask-request';
import { readBodyWithLimit } from '../read-body';
import type { RelayRequest } from '../relay/relay-forwarder';
import { declaredEncoding } from '../xml/declared-encoding';
import { documentError, Outcome, plainAnswer } from './answer';
import type { Admitted } from './exchange';
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
  x.slot.release();
  if (!template.enabled) return new Outcome('unknown_template', documentError(facts, 404, 'UTF-8', '', 4004), true);
  if (!template.upstream) {
    deps.logger.error('relay template without an upstream: answered 502', {
      event: 'relay.no_upstream',
      template: template.name,
    });
    return new Outcome('relay_failed', plainAnswer(502, `template ${template.name} has no upstream.url`), true);
  }
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
  const answer = await relay.upstreams.forwarder(template.name, template.upstream).forward(request);
  if (!answer.answered)
    deps.logger.warn('relay: the upstream did not answer (answered 502)', {
      event: 'relay.no_answer',
      template: template.name,
      code: answer.error?.code,
      reason: answer.error?.details['reason'],
    });
  const knownSecrets = [x.headerCredentials?.password, template.upstream.password];
  if (template.upstream.record !== false) {
    await deps.store.unknownRequests
      .add({
        requestId: facts.requestId,
        template: template.name,
        reason: `${templateMode(template)}: upstream ${answer.answered ? `answered ${answer.status}` : `did not answer (${answer.error?.code ?? 'error'})`}`,
        headers: headersForStorage(req.headers),
        body: storableText(body, headerText(req.headers, 'content-type'), knownSecrets),
        kind: 'recorded',
        response: storableText(answer.body, answer.contentType, knownSecrets),
      })
      .catch((err: unknown) =>
        deps.logger.error('cannot record a relayed request', {
          event: 'relay.record.store_failed',
          template: template.name,
          err,
        }),
      );
  }
  if (templateMode(template) === 'shadow' && relay.shadow) {
    await relay
      .shadow({ template, requestId: facts.requestId, request, answer, knownSecrets })
      .catch((err: unknown) => deps.logger.error('shadow analysis failed', { event: 'shadow.failed', template: template.name, err }));
  }
  return new Outcome(answer.answered ? 'relayed' : 'relay_failed', {
    kind: 'relayed',
    status: answer.status,
    contentType: answer.contentType,
    headers: answer.headers,
    bytes: answer.body,
  });
}
