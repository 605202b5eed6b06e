import { BlockList, isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import { isIpOrCidr, type Config } from '../config/schema';
import { clusterHasIdentityRules, matchesClusterIdentity, type Cluster, type Template } from '../domain';
import { ImpbError, isImpbError } from '../errors';
import type { Logger } from '../observability';
import type { Store } from '../store';
import { applyDocument, type AppliedCommand } from './apply-document';
import type { AccountVerifier } from './auth/verify-account';
import type { AttemptSlot, AuthThrottle } from './auth/auth-throttle';
import { parseBasicAuthorization, type Credentials } from './auth/basic-credentials';
import { peerIdentityOf, type PeerIdentity } from './auth/peer-identity';
import { asErrorCodeFor, asHeadline, type AsErrorCode } from './dialect/as-error-codes';
import { readFlowThroughDocument, type FlowThroughDocument } from './dialect/read-document';
import { contentTypeFor, writeResponseDocument, type CommandResponse } from './dialect/response-writer';
import type { InboundMetrics, InboundOutcome } from './inbound-metrics';
import { headersForStorage, maskDocument, rawRequestText } from './mask-request';
import { isXmlContentType, readBodyWithLimit } from './read-body';
import { declaredEncoding, type XmlEncoding } from './xml/declared-encoding';
import { parseXmlDocument, type ParsedDocument } from './xml/parse-xml';

export interface FlowThroughDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: InboundMetrics;
  throttle: AuthThrottle;
  verifier: AccountVerifier;
}

export const FLOWTHROUGH_PATH = '/provisioning/v1';
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REALM = 'Basic realm="imp-bridge"';

interface RequestFacts {
  requestId: string;
  templateName: string;
  label: string;
  source: string;
  peer: PeerIdentity;
  /** performance.now() when the request arrived, for the latency histogram. */
  startedAt: number;
}

function sendDocument(res: Response, status: number, encoding: XmlEncoding, sessionId: string, commands: Array<{ echo: string; response: CommandResponse }>): void {
  res.status(status).set('Content-Type', contentTypeFor(encoding)).send(writeResponseDocument({ encoding, sessionId, commands }));
}

function errorCommand(facts: Pick<RequestFacts, 'requestId' | 'templateName'>, code: AsErrorCode, message?: string): { echo: string; response: CommandResponse } {
  return { echo: '', response: { type: 'error', errorCode: code, summary: message ?? asHeadline(code), detail: `request ${facts.requestId}; template ${facts.templateName.slice(0, 64)}` } };
}

function sendDocumentError(res: Response, facts: Pick<RequestFacts, 'requestId' | 'templateName'>, status: number, encoding: XmlEncoding, sessionId: string, code: AsErrorCode, message?: string): void {
  sendDocument(res, status, encoding, sessionId, [errorCommand(facts, code, message)]);
}

/** HTTP-layer refusals (401/403/413/415/429) carry a short text body: the AS logs the status. */
function sendPlain(res: Response, status: number, text: string, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type('text/plain').send(`${text}\n`);
}

/**
 * Answering before the body is read: Node then discards the rest of the body to keep the
 * connection, which is cheap for a small declared body but would mean receiving megabytes
 * for a large or unannounced one; those connections are closed instead.
 */
function closeUnlessBodySmall(req: Request, res: Response, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (!(Number.isFinite(declared) && declared <= limit)) res.set('Connection', 'close');
}

/** Best effort, for answering 4001 with the AS's own session id. */
function sessionIdHint(body: Buffer): string {
  const match = /<(?:[\w.-]+:)?sessionId\b[^>]*>([\w.,:@+/-]{1,256})<\//.exec(body.toString('latin1', 0, Math.min(body.length, 4096)));
  return match?.[1] ?? '';
}

function clusterRefusal(cluster: Cluster, peer: PeerIdentity): string | undefined {
  if (cluster.sourceAddresses.length && peer.sourceAddress) {
    const list = new BlockList();
    const address = peer.sourceAddress.replace(/^::ffff:/, '');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    // A row stored before the schema checked entries: skipped (fail closed) rather than throwing, which would answer 5001 forever.
    for (const entry of cluster.sourceAddresses.filter(isIpOrCidr)) {
      const [net, bits] = entry.split('/');
      const entryFamily = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
      if (bits !== undefined) list.addSubnet(net!, Number(bits), entryFamily);
      else list.addAddress(net!, entryFamily);
    }
    if (!list.check(address, family)) return 'source address outside the cluster';
  }
  if (!clusterHasIdentityRules(cluster)) return undefined;
  if (!peer.verified) return 'no verified client certificate';
  return matchesClusterIdentity(peer, cluster) ? undefined : 'client certificate outside the cluster identity rules';
}

export function createFlowThroughRouter(deps: FlowThroughDeps): Router {
  const { config, logger, store, metrics, throttle, verifier } = deps;
  const router = express.Router();

  /**
   * The template's cluster decides when it has rules. Otherwise, once any cluster has identity
   * rules, a verified certificate that matches none of them is refused: trusting a CA does not
   * admit every certificate it ever issued.
   */
  async function clientRefusal(template: Template, peer: PeerIdentity): Promise<string | undefined> {
    const own = template.cluster ? await store.clusters.get(template.cluster) : undefined;
    if (own) {
      const refusal = clusterRefusal(own, peer);
      if (refusal || clusterHasIdentityRules(own)) return refusal;
    }
    if (!peer.verified) return undefined;
    const ruled = (await store.clusters.list()).filter(clusterHasIdentityRules);
    if (ruled.length === 0 || ruled.some((cluster) => matchesClusterIdentity(peer, cluster))) return undefined;
    return 'client certificate matches no cluster identity rule';
  }

  const count = (facts: RequestFacts, outcome: InboundOutcome) => metrics.request(facts.label, outcome, (performance.now() - facts.startedAt) / 1000);

  /**
   * Keeps a request the dialect does not know for operators. False when the store refused it:
   * then it has answered 5001 itself, so the AS retries rather than the request being lost.
   */
  async function storeUnknownRequest(
    res: Response,
    facts: RequestFacts,
    entry: { template: string; reason: string; headers: Record<string, string | string[] | undefined>; body: string; response: Buffer; encoding: XmlEncoding; sessionId: string },
  ): Promise<boolean> {
    try {
      await store.unknownRequests.add({
        requestId: facts.requestId,
        template: entry.template,
        reason: entry.reason.slice(0, 500),
        headers: entry.headers,
        body: entry.body,
        kind: 'unknown',
        response: entry.response.toString(entry.encoding === 'UTF-8' ? 'utf8' : 'latin1'),
      });
      metrics.unknownRequest(entry.template);
      return true;
    } catch (err) {
      logger.error('cannot store an unknown request: answered 5001 so the AS retries', { event: 'inbound.unknown.store_failed', template: entry.template, err });
      count(facts, 'persistence_error');
      sendDocumentError(res, facts, 200, entry.encoding, entry.sessionId, 5001);
      return false;
    }
  }

  async function refuseAuthentication(req: Request, res: Response, facts: RequestFacts, slot: AttemptSlot, template: Template, attempt: Credentials | undefined, reason: string): Promise<void> {
    if (!req.complete) closeUnlessBodySmall(req, res, config.provisioning.bodyLimitBytes);
    // A missing header is how challenge-based HTTP clients start; only wrong guesses are brute force.
    if (attempt) slot.fail();
    else slot.release();
    metrics.authFailure(facts.label);
    count(facts, 'unauthenticated');
    logger.warn('flow-through authentication failed', {
      event: 'inbound.auth.failed',
      template: template.name,
      username: attempt?.username.slice(0, 80),
      reason,
      clientSubject: facts.peer.subject,
      sourceAddress: facts.source,
    });
    if (!template.enabled) {
      // A disabled template answers exactly like an unknown one unless the caller proves it knows it.
      sendDocumentError(res, facts, 404, 'UTF-8', '', 4004);
      return;
    }
    sendPlain(res, 401, 'authentication failed', { 'WWW-Authenticate': REALM });
  }

  async function handle(req: Request, res: Response, startedAt: number): Promise<void> {
    const peer = peerIdentityOf(req.socket);
    const facts: RequestFacts = {
      requestId: String(res.locals.requestId),
      templateName: String(req.params.template ?? ''),
      label: 'unknown',
      source: peer.sourceAddress ?? 'unknown',
      peer,
      startedAt,
    };

    const gate = await throttle.check(facts.source);
    if ('blockedForSeconds' in gate) {
      count(facts, 'throttled');
      logger.warn('flow-through request refused: too many authentication failures from this source', { event: 'inbound.auth.throttled', sourceAddress: facts.source, retryAfterSeconds: gate.blockedForSeconds });
      closeUnlessBodySmall(req, res, config.provisioning.bodyLimitBytes);
      sendPlain(res, 429, 'too many authentication failures', { 'Retry-After': String(gate.blockedForSeconds), Connection: 'close' });
      return;
    }
    // Whatever path the request takes, its slot is given back (a no-op once settled).
    try {
      if (gate.slot.delayMs) await sleep(gate.slot.delayMs);
      await handleAdmitted(req, res, facts, gate.slot);
    } finally {
      gate.slot.release();
    }
  }

  async function handleAdmitted(req: Request, res: Response, facts: RequestFacts, slot: AttemptSlot): Promise<void> {
    const { peer } = facts;

    const template = TEMPLATE_NAME.test(facts.templateName) ? await store.templates.get(facts.templateName) : undefined;
    const headerCredentials = parseBasicAuthorization(req.headers.authorization);
    if (!template) {
      if (headerCredentials) {
        await verifier.verifyNothing(headerCredentials.password);
        slot.fail();
      }
      count(facts, 'unknown_template');
      logger.info('flow-through request for an unknown template', { event: 'inbound.template.unknown', template: facts.templateName.slice(0, 64), clientSubject: peer.subject, sourceAddress: facts.source });
      closeUnlessBodySmall(req, res, config.provisioning.bodyLimitBytes);
      sendDocumentError(res, facts, 404, 'UTF-8', '', 4004);
      return;
    }
    facts.label = template.name;

    if (template.enabled) {
      const refusal = await clientRefusal(template, peer);
      if (refusal) {
        metrics.authFailure(facts.label);
        count(facts, 'forbidden');
        logger.warn('flow-through request refused: client not accepted for this template', { event: 'inbound.auth.forbidden', template: template.name, cluster: template.cluster, reason: refusal, clientSubject: peer.subject, fingerprint256: peer.fingerprint256, sourceAddress: facts.source });
        closeUnlessBodySmall(req, res, config.provisioning.bodyLimitBytes);
        sendPlain(res, 403, 'client certificate not accepted for this template');
        return;
      }
    }

    let authenticated = false;
    if (headerCredentials) {
      if (!(await verifier.verify(template, headerCredentials))) return refuseAuthentication(req, res, facts, slot, template, headerCredentials, 'wrong user name or password');
      authenticated = true;
      slot.release();
    }

    const contentType = req.headers['content-type'];
    if (!isXmlContentType(contentType)) {
      count(facts, 'unsupported_media_type');
      logger.info('flow-through request refused: content type is not XML', { event: 'inbound.media_type', template: template.name, contentType: String(contentType ?? '').slice(0, 100) });
      closeUnlessBodySmall(req, res, config.provisioning.bodyLimitBytes);
      sendPlain(res, 415, 'content type must be text/xml or application/xml');
      return;
    }
    let body: Buffer;
    try {
      body = await readBodyWithLimit(req, config.provisioning.bodyLimitBytes);
    } catch (err) {
      if (!isImpbError(err, 'IMPB_ERR_BODY_TOO_LARGE')) throw err;
      count(facts, 'too_large');
      logger.info('flow-through request refused: body too large', { event: 'inbound.too_large', template: template.name, limit: config.provisioning.bodyLimitBytes });
      sendPlain(res, 413, `request body larger than ${config.provisioning.bodyLimitBytes} bytes`, { Connection: 'close' });
      return;
    }

    let parsed: ParsedDocument | undefined;
    let doc: FlowThroughDocument;
    try {
      parsed = parseXmlDocument(body, contentType);
      doc = readFlowThroughDocument(parsed.root);
    } catch (err) {
      const refused = isImpbError(err) ? err : new ImpbError('IMPB_ERR_XML_MALFORMED', { cause: err });
      if (!authenticated) return refuseAuthentication(req, res, facts, slot, template, undefined, 'no credentials (and the document is not readable)');
      logger.info('flow-through document refused', { event: 'inbound.xml.refused', template: template.name, code: refused.code, reason: refused.message });
      const encoding = declaredEncoding(body, contentType).encoding ?? 'UTF-8';
      const sessionId = sessionIdHint(body);
      const answer = errorCommand(facts, asErrorCodeFor(refused.code), `${asHeadline(4001)}: ${refused.message}`);
      // Well-formed XML in another shape is a dialect the table does not know yet: kept for operators like an unknown command.
      if (parsed && isImpbError(refused, 'IMPB_ERR_NOT_BROADSOFT_DOCUMENT') && template.enabled) {
        const responseBytes = writeResponseDocument({ encoding, sessionId, commands: [answer] });
        const stored = await storeUnknownRequest(res, facts, {
          template: template.name,
          reason: refused.message,
          headers: headersForStorage(req.headers),
          body: maskDocument(parsed.text, [headerCredentials?.password]),
          response: responseBytes,
          encoding,
          sessionId,
        });
        if (!stored) return;
        logger.warn('flow-through request the dialect does not know: stored for operators (answered 4001)', { event: 'inbound.unknown_request', template: template.name, reason: refused.message });
        count(facts, 'unknown_command');
        res.status(200).set('Content-Type', contentTypeFor(encoding)).send(responseBytes);
        return;
      }
      count(facts, 'xml_error');
      sendDocument(res, 200, encoding, sessionId, [answer]);
      return;
    }

    if (!authenticated) {
      if (!doc.credentials) return refuseAuthentication(req, res, facts, slot, template, undefined, 'no credentials');
      if (!(await verifier.verify(template, doc.credentials))) return refuseAuthentication(req, res, facts, slot, template, doc.credentials, 'wrong user name or password (document credentials)');
      slot.release();
    }
    if (!template.enabled) {
      count(facts, 'unknown_template');
      sendDocumentError(res, facts, 404, parsed.encoding, doc.sessionId, 4004, `${asHeadline(4004)}: template ${template.name} is disabled`);
      return;
    }

    const knownSecrets = [headerCredentials?.password, doc.credentials?.password, ...doc.commands.map((c) => c.fields.impPassword)];
    const maskedBody = maskDocument(parsed.text, knownSecrets);
    const storedHeaders = headersForStorage(req.headers);
    const subPath = Array.isArray(req.params.subPath) ? (req.params.subPath as string[]).join('/') : undefined;
    const rawRequest = rawRequestText(req.method, req.originalUrl, storedHeaders, maskedBody);

    let results: AppliedCommand[] = [];
    const commands: Array<{ echo: string; response: CommandResponse }> = [];
    if (doc.commands.length === 0) {
      commands.push({ echo: '', response: { type: 'error', errorCode: 4002, summary: 'Unknown request shape: no command element', detail: `request ${facts.requestId}; template ${template.name}` } });
    } else {
      try {
        results = await applyDocument({ config, logger, store, template, requestId: facts.requestId, rawRequest, subPath, sourceAddress: facts.source, clientSubject: peer.subject }, doc);
        commands.push(...results.map((r) => ({ echo: r.echo, response: r.response })));
      } catch (err) {
        logger.error('flow-through document could not be applied: answered 5001 so the AS retries', { event: 'inbound.apply.failed', template: template.name, err });
        count(facts, 'persistence_error');
        sendDocumentError(res, facts, 200, parsed.encoding, doc.sessionId, 5001);
        return;
      }
    }
    const responseBytes = writeResponseDocument({ encoding: parsed.encoding, sessionId: doc.sessionId, commands });

    const unknownTypes = results.filter((r) => r.outcome === 'unknown_command').map((r) => r.type || '(none)');
    if (doc.commands.length === 0 || unknownTypes.length) {
      const reason = doc.commands.length === 0 ? `no command element (top-level elements: ${doc.otherElements.slice(0, 10).join(', ') || 'none'})` : `unknown command type: ${unknownTypes.join(', ')}`;
      if (!(await storeUnknownRequest(res, facts, { template: template.name, reason, headers: storedHeaders, body: maskedBody, response: responseBytes, encoding: parsed.encoding, sessionId: doc.sessionId }))) return;
      logger.warn('flow-through request the dialect does not know: stored for operators (answered 4002)', { event: 'inbound.unknown_request', template: template.name, reason });
    }
    if (template.recordMode || config.provisioning.recordMode) {
      await store.unknownRequests
        .add({ requestId: facts.requestId, template: template.name, reason: 'record mode', headers: storedHeaders, body: maskedBody, kind: 'recorded', response: responseBytes.toString(parsed.encoding === 'UTF-8' ? 'utf8' : 'latin1') })
        .catch((err: unknown) => logger.error('cannot record a request', { event: 'inbound.record.store_failed', err }));
    }

    const outcome: InboundOutcome = doc.commands.length === 0 ? 'unknown_command' : (results.find((r) => !['accepted', 'duplicate', 'status'].includes(r.outcome))?.outcome ?? results[0]!.outcome);
    count(facts, outcome);
    logger.info('flow-through request answered', {
      event: 'inbound.answered',
      template: template.name,
      sessionId: doc.sessionId.slice(0, 256),
      subPath,
      commands: results.map((r) => ({ position: r.position, type: r.type.slice(0, 100), userId: r.userId, result: r.response.type === 'error' ? r.response.errorCode : r.outcome })),
    });
    res.status(200).set('Content-Type', contentTypeFor(parsed.encoding)).send(responseBytes);
  }

  const route = (req: Request, res: Response, next: (err?: unknown) => void) => {
    handle(req, res, performance.now()).catch((err: unknown) => {
      if (res.headersSent) return next(err);
      // Our failure (store unreadable, …): 5001 makes the AS retry instead of dropping the change.
      logger.error('flow-through request failed: answered 5001 so the AS retries', { event: 'inbound.failed', err });
      const facts = { requestId: String(res.locals.requestId), templateName: String(req.params.template ?? '') };
      sendDocumentError(res, facts, 200, 'UTF-8', '', 5001);
    });
  };
  for (const path of [`${FLOWTHROUGH_PATH}/:template`, `${FLOWTHROUGH_PATH}/:template/*subPath`]) {
    router.post(path, route);
    router.put(path, route);
  }
  return router;
}
