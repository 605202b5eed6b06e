import type { Request, Response } from 'express';
import type { Logger } from '../../observability';
import { readBodyWithLimit } from '../read-body';
import type { RelayAnswer, RelayForwarder, RelayRequest } from './relay-forwarder';

/** One request and the answer the AS got, for record mode and shadow analysis. */
export interface RelayExchange {
  templateName: string;
  request: RelayRequest;
  answer: RelayAnswer;
}

export interface RelayHandlerDeps {
  logger: Logger;
  bodyLimitBytes: number;
  /** Called after the AS has its answer; a failure here is logged, never shown to the AS. */
  onExchange?: (exchange: RelayExchange) => Promise<void> | void;
}

/** Response fields the AS gets from the upstream besides status, Content-Type and body. */
const ANSWER_HEADERS = new Set(['retry-after', 'www-authenticate', 'cache-control', 'location']);

/**
 * Relays one request received on a relay/shadow template's URL (`subPath` is what followed it).
 * The AS gets the upstream's status, Content-Type and body bytes unchanged.
 */
export async function relayRequest(req: Request, res: Response, templateName: string, subPath: string, forwarder: RelayForwarder, deps: RelayHandlerDeps): Promise<void> {
  const body = await readBodyWithLimit(req, deps.bodyLimitBytes);
  const q = req.originalUrl.indexOf('?');
  const request: RelayRequest = { method: req.method, subPath, query: q < 0 ? undefined : req.originalUrl.slice(q + 1), headers: req.headers, body, remoteAddress: req.socket.remoteAddress };
  const answer = await forwarder.forward(request);
  if (!answer.answered) deps.logger.warn('relay: no answer from the upstream', { template: templateName, code: answer.error?.code, reason: answer.error?.details['reason'] });
  res.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) if (ANSWER_HEADERS.has(name)) res.setHeader(name, value);
  if (answer.contentType) res.setHeader('Content-Type', answer.contentType);
  // end() with a Buffer: express's send() would add an ETag or rewrite a charset.
  res.end(answer.body);
  if (deps.onExchange) {
    try {
      await deps.onExchange({ templateName, request, answer });
    } catch (err) {
      deps.logger.error('relay: recording the exchange failed', { template: templateName, err });
    }
  }
}
