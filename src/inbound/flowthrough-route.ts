import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import { parseBasicAuthorization } from './auth/basic-credentials';
import { peerIdentityOf } from './auth/peer-identity';
import { bodyGate, clientIdentityGate, headerAccountGate, lookUpTemplate, throttleGate, unknownTemplate } from './flowthrough/access-gates';
import { documentError, isOutcome, Outcome, writeAnswer } from './flowthrough/answer';
import { applyGate } from './flowthrough/apply-gate';
import { documentAccountGate, parseGate } from './flowthrough/document-gates';
import type { Admitted, Exchange, FlowThroughDeps, RequestFacts } from './flowthrough/exchange';
import { createLargeBodyGate } from './flowthrough/large-body-gate';
import { isRelayed, relayGate } from './flowthrough/relay-gate';

export type { FlowThroughDeps } from './flowthrough/exchange';

export const FLOWTHROUGH_PATH = '/provisioning/v1';

/**
 * The gates after the throttle, in order: client identity, account (header), body, parse and
 * dialect, account (document), apply. Each returns an Outcome to end the exchange or passes on.
 */
async function admitted(x: Admitted): Promise<Outcome> {
  const client = await clientIdentityGate(x);
  if (client) return client;
  if (x.deps.relay && isRelayed(x.template)) return relayGate(x, x.deps.relay);
  const early = await headerAccountGate(x);
  if (early) return early;
  const body = await bodyGate(x);
  if (isOutcome(body)) return body;
  const release = await x.deps.largeBodies.acquire(body.length);
  if (!release) {
    x.deps.logger.warn('flow-through request refused: too many large documents being read at once (answered 5001 so the AS retries)', {
      event: 'inbound.large_body.busy',
      template: x.template.name,
      bytes: body.length,
    });
    return new Outcome('persistence_error', documentError(x.facts, 200, 'UTF-8', '', 5001, 'Too many large documents at once, retry later'));
  }
  try {
    const read = await parseGate(x, body);
    if (isOutcome(read)) return read;
    return (await documentAccountGate(x, read)) ?? (await applyGate(x, read));
  } finally {
    release();
  }
}

async function decide(x: Exchange): Promise<Outcome> {
  const template = await lookUpTemplate(x);
  const slot = await throttleGate(x, template);
  if (isOutcome(slot)) return slot;
  // Whatever path the request takes, its slot is given back (a no-op once settled).
  try {
    if (slot.delayMs) await sleep(slot.delayMs);
    if (!template) return await unknownTemplate(x);
    x.facts.label = template.name;
    return await admitted({ ...x, template, slot, authenticated: false });
  } finally {
    slot.release();
  }
}

export function createFlowThroughRouter(flowDeps: FlowThroughDeps): Router {
  const { config, logger, metrics } = flowDeps;
  const p = config.provisioning;
  const deps = { ...flowDeps, largeBodies: createLargeBodyGate({ thresholdBytes: p.largeBodyBytes, parallel: p.largeBodyParallel, queue: p.largeBodyQueue }) };
  const router = express.Router();

  /** The one place an answer is written and counted. */
  const finish = (req: Request, res: Response, facts: RequestFacts, verdict: Outcome) => {
    metrics.request(facts.label, verdict.outcome, (performance.now() - facts.startedAt) / 1000);
    writeAnswer(req, res, verdict, p.bodyLimitBytes);
  };

  const handle = async (req: Request, res: Response, startedAt: number): Promise<void> => {
    const peer = peerIdentityOf(req.socket);
    const facts: RequestFacts = {
      requestId: String(res.locals.requestId),
      templateName: String(req.params.template ?? ''),
      label: 'unknown',
      source: peer.sourceAddress ?? 'unknown',
      peer,
      startedAt,
    };
    finish(req, res, facts, await decide({ deps, req, facts, headerCredentials: parseBasicAuthorization(req.headers.authorization) }));
  };

  const route = (req: Request, res: Response, next: (err?: unknown) => void) => {
    handle(req, res, performance.now()).catch((err: unknown) => {
      if (res.headersSent) return next(err);
      // Our failure (store unreadable, …): 5001 makes the AS retry instead of dropping the change.
      logger.error('flow-through request failed: answered 5001 so the AS retries', { event: 'inbound.failed', err });
      const facts = { requestId: String(res.locals.requestId), templateName: String(req.params.template ?? '') };
      writeAnswer(req, res, new Outcome('persistence_error', documentError(facts, 200, 'UTF-8', '', 5001)), p.bodyLimitBytes);
    });
  };
  // Other methods reach only relay and shadow templates (the upstream decides what they mean).
  const relayOnly = (req: Request, res: Response, next: (err?: unknown) => void) => {
    const name = String(req.params.template ?? '');
    lookUpTemplate({ deps, req, facts: { templateName: name } as RequestFacts })
      .then((template) => (deps.relay && template && isRelayed(template) ? route(req, res, next) : next()))
      .catch(next);
  };
  for (const path of [`${FLOWTHROUGH_PATH}/:template`, `${FLOWTHROUGH_PATH}/:template/*subPath`]) {
    router.post(path, route);
    router.put(path, route);
    router.all(path, relayOnly);
  }
  return router;
}
