import type { Request, Response } from 'express';
import { asHeadline, type AsErrorCode } from '../dialect/as-error-codes';
import { contentTypeFor, writeResponseDocument, type CommandResponse } from '../dialect/response-writer';
import type { InboundOutcome } from '../inbound-metrics';
import type { XmlEncoding } from '../xml/declared-encoding';

/** What goes back to the AS; the route writes it in one place. */
export type Answer =
  | { kind: 'plain'; status: number; text: string; headers?: Record<string, string> }
  | { kind: 'document'; status: number; encoding: XmlEncoding; bytes: Buffer }
  /** The upstream's answer in relay and shadow modes: status, Content-Type and bytes unchanged. */
  | { kind: 'relayed'; status: number; contentType?: string; headers: Record<string, string | string[]>; bytes: Buffer };

/** Upstream response fields the AS gets besides status, Content-Type and body. */
const RELAYED_HEADERS = new Set(['retry-after', 'www-authenticate', 'cache-control', 'location']);

/**
 * A gate's verdict that ends the exchange (a refusal, or the final answer). `bodyUnread`
 * marks answers given before the body was read.
 */
export class Outcome {
  constructor(
    readonly outcome: InboundOutcome,
    readonly answer: Answer,
    readonly bodyUnread = false,
  ) {}
}

export const isOutcome = (value: unknown): value is Outcome => value instanceof Outcome;

export type CommandAnswer = { echo: string; response: CommandResponse };

export interface AnswerFacts {
  requestId: string;
  templateName: string;
}

export function errorCommand(facts: AnswerFacts, code: AsErrorCode, message?: string): CommandAnswer {
  return {
    echo: '',
    response: {
      type: 'error',
      errorCode: code,
      summary: message ?? asHeadline(code),
      detail: `request ${facts.requestId}; template ${facts.templateName.slice(0, 64)}`,
    },
  };
}

export function documentAnswer(status: number, encoding: XmlEncoding, sessionId: string, commands: CommandAnswer[]): Answer {
  return { kind: 'document', status, encoding, bytes: writeResponseDocument({ encoding, sessionId, commands }) };
}

export function documentError(facts: AnswerFacts, status: number, encoding: XmlEncoding, sessionId: string, code: AsErrorCode, message?: string): Answer {
  return documentAnswer(status, encoding, sessionId, [errorCommand(facts, code, message)]);
}

/** HTTP-layer refusals (401/403/413/415/429) carry a short text body: the AS logs the status. */
export function plainAnswer(status: number, text: string, headers: Record<string, string> = {}): Answer {
  return { kind: 'plain', status, text, headers };
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

export function writeAnswer(req: Request, res: Response, verdict: Outcome, bodyLimit: number): void {
  const { answer } = verdict;
  if (verdict.bodyUnread && !req.complete) closeUnlessBodySmall(req, res, bodyLimit);
  if (answer.kind === 'relayed') {
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) if (RELAYED_HEADERS.has(name)) res.setHeader(name, value);
    if (answer.contentType) res.setHeader('Content-Type', answer.contentType);
    // end(), not send(): send would add an ETag or rewrite the charset of the upstream's bytes.
    res.end(answer.bytes);
    return;
  }
  if (answer.kind === 'plain') {
    res
      .status(answer.status)
      .set(answer.headers ?? {})
      .type('text/plain')
      .send(`${answer.text}\n`);
    return;
  }
  // The bytes as a latin1 string (which maps each byte to itself): Node joins the head and the
  // body into one string and one write. relay-mode.test.ts counts one TLS record for this answer
  // and for the relayed one, sent as a Buffer.
  res.statusCode = answer.status;
  res.setHeader('Content-Type', contentTypeFor(answer.encoding));
  res.setHeader('Content-Length', answer.bytes.length);
  res.end(answer.bytes.toString('latin1'), 'latin1');
}

/** Best effort, for answering 4001 with the AS's own session id. */
export function sessionIdHint(body: Buffer): string {
  const match = /<(?:[\w.-]+:)?sessionId\b[^>]*>([\w.,:@+/-]{1,256})<\//.exec(body.toString('latin1', 0, Math.min(body.length, 4096)));
  return match?.[1] ?? '';
}
