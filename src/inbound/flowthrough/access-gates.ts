import type { Template } from '../../domain';
import { isImpbError } from '../../errors';
import type { AttemptSlot } from '../auth/auth-throttle';
import type { Credentials } from '../auth/basic-credentials';
import { isXmlContentType, readBodyWithLimit } from '../read-body';
import { clientRefusal } from './client-gate';
import { documentError, Outcome, plainAnswer } from './answer';
import type { Admitted, Exchange } from './exchange';

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REALM = 'Basic realm="imp-bridge"';
/** The throttle bucket every unknown template name shares, so made-up names add no buckets. */
const UNKNOWN_TEMPLATE_BUCKET = '\u0000unknown';

/** The template named in the path, or undefined; the answer for an unknown one comes after the throttle. */
export async function lookUpTemplate(x: Exchange): Promise<Template | undefined> {
  return TEMPLATE_NAME.test(x.facts.templateName) ? x.deps.store.templates.get(x.facts.templateName) : undefined;
}

/**
 * Failures are counted per source address AND template: an attacker behind the same NAT as an
 * AS can lock out the template it guesses at, not every template of that address.
 */
export async function throttleGate(x: Exchange, template: Template | undefined): Promise<Outcome | AttemptSlot> {
  const { facts, deps } = x;
  const gate = await deps.throttle.check(`${facts.source}\u0000${template?.name ?? UNKNOWN_TEMPLATE_BUCKET}`);
  if ('slot' in gate) return gate.slot;
  deps.logger.warn('flow-through request refused: too many authentication failures from this source for this template', {
    event: 'inbound.auth.throttled',
    template: template?.name,
    sourceAddress: facts.source,
    retryAfterSeconds: gate.blockedForSeconds,
  });
  return new Outcome(
    'throttled',
    plainAnswer(429, 'too many authentication failures', { 'Retry-After': String(gate.blockedForSeconds), Connection: 'close' }),
    true,
  );
}

/**
 * An unknown template has no account to guess against, so even wrong credentials are not
 * counted as failures (a renamed template must not lock its AS out); the dummy check keeps
 * the timing of a known one.
 */
export async function unknownTemplate(x: Exchange): Promise<Outcome> {
  const { facts, deps } = x;
  if (x.headerCredentials) await deps.verifier.verifyNothing(x.headerCredentials.password);
  deps.logger.info('flow-through request for an unknown template', {
    event: 'inbound.template.unknown',
    template: facts.templateName.slice(0, 64),
    clientSubject: facts.peer.subject,
    sourceAddress: facts.source,
  });
  return new Outcome('unknown_template', documentError(facts, 404, 'UTF-8', '', 4004), true);
}

export async function clientIdentityGate(x: Admitted): Promise<Outcome | undefined> {
  const { facts, deps, template } = x;
  if (!template.enabled) return undefined;
  const refusal = await clientRefusal(deps.store, template, facts.peer);
  if (!refusal) return undefined;
  deps.metrics.authFailure(facts.label);
  deps.logger.warn('flow-through request refused: client not accepted for this template', {
    event: 'inbound.auth.forbidden',
    template: template.name,
    cluster: template.cluster,
    reason: refusal,
    clientSubject: facts.peer.subject,
    fingerprint256: facts.peer.fingerprint256,
    sourceAddress: facts.source,
  });
  return new Outcome('forbidden', plainAnswer(403, 'client certificate not accepted for this template'), true);
}

export function refuseAuthentication(x: Admitted, attempt: Credentials | undefined, reason: string): Outcome {
  const { facts, deps, template } = x;
  // A missing header is how challenge-based HTTP clients start; only wrong guesses are brute force.
  if (attempt) x.slot.fail();
  else x.slot.release();
  deps.metrics.authFailure(facts.label);
  deps.logger.warn('flow-through authentication failed', {
    event: 'inbound.auth.failed',
    template: template.name,
    username: attempt?.username.slice(0, 80),
    reason,
    clientSubject: facts.peer.subject,
    sourceAddress: facts.source,
  });
  // A disabled template answers exactly like an unknown one unless the caller proves it knows it.
  if (!template.enabled) return new Outcome('unauthenticated', documentError(facts, 404, 'UTF-8', '', 4004), true);
  return new Outcome('unauthenticated', plainAnswer(401, 'authentication failed', { 'WWW-Authenticate': REALM }), true);
}

/** The Authorization header, when sent; document credentials are checked after parsing. */
export async function headerAccountGate(x: Admitted): Promise<Outcome | undefined> {
  if (!x.headerCredentials) return undefined;
  if (!(await x.deps.verifier.verify(x.template, x.headerCredentials))) return refuseAuthentication(x, x.headerCredentials, 'wrong user name or password');
  x.authenticated = true;
  x.slot.release();
  return undefined;
}

export async function bodyGate(x: Admitted): Promise<Outcome | Buffer> {
  const { req, deps, template } = x;
  const limit = deps.config.provisioning.bodyLimitBytes;
  const contentType = req.headers['content-type'];
  if (!isXmlContentType(contentType)) {
    deps.logger.info('flow-through request refused: content type is not XML', {
      event: 'inbound.media_type',
      template: template.name,
      contentType: String(contentType ?? '').slice(0, 100),
    });
    return new Outcome('unsupported_media_type', plainAnswer(415, 'content type must be text/xml or application/xml'), true);
  }
  try {
    return await readBodyWithLimit(req, limit);
  } catch (err) {
    if (!isImpbError(err, 'IMPB_ERR_BODY_TOO_LARGE')) throw err;
    deps.logger.info('flow-through request refused: body too large', { event: 'inbound.too_large', template: template.name, limit });
    return new Outcome('too_large', plainAnswer(413, `request body larger than ${limit} bytes`, { Connection: 'close' }));
  }
}
