import { request, type Dispatcher } from 'undici';
import { WebexError, type ErrorCode, type WebexErrorFacts } from '../errors';
import type { WebexCallObservation } from '../pipeline/webex-port';
import { classifyStatus } from './classify-failure';
import { readErrors } from './parse-responses';
import { DEFAULT_RETRY_AFTER_MS, parseRetryAfterMs } from './retry-after';
import type { WebexHttpDeps, WebexHttpRequest } from './webex-http-types';

/** One call as its facts and observations name it, whatever the attempt. */
export interface CallScope {
  req: WebexHttpRequest;
  /** Path relative to the base URL. */
  path: string;
  /** The TrackingID sent. */
  trackingId: string;
}

/** One HTTP exchange's answer, read: the TrackingID Webex echoed (header, else body), the JSON. */
export interface WebexAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  parseFailed: boolean;
  body: Record<string, unknown>;
  echoed: string;
}

export type ObservedOutcome = { httpStatus?: number; errorCode?: string; description?: string };

export const baseFacts = (scope: CallScope): WebexErrorFacts => ({
  operation: scope.req.operation,
  method: scope.req.method,
  path: scope.path,
  trackingId: scope.trackingId,
  webexErrors: [],
  maybeApplied: false,
});

export function observeCall(deps: WebexHttpDeps, scope: CallScope, trackingId: string, started: number, outcome: ObservedOutcome): void {
  const { req, path } = scope;
  const durationMs = Math.round(performance.now() - started);
  const { beforeSend: _guard, ...ctx } = req.ctx ?? {};
  const obs: WebexCallObservation = { ...ctx, operation: req.operation, method: req.method, path, trackingId, durationMs, ...outcome };
  deps.logger.debug('Webex call', { event: 'webex.call', ...obs });
  try {
    deps.onCall?.(obs);
  } catch (err) {
    deps.logger.warn('Webex call observer failed', { event: 'webex.call.observer_failed', err });
  }
}

/** One HTTP exchange with the bearer token and TrackingID; the body read to the end. */
export async function exchange(deps: WebexHttpDeps, req: WebexHttpRequest, token: string, trackingId: string): Promise<WebexAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, trackingid: trackingId, accept: 'application/json' };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const res: Dispatcher.ResponseData = await request(req.url, {
    dispatcher: deps.dispatcher,
    method: req.method,
    headers,
    body,
    headersTimeout: deps.headersTimeoutMs,
    bodyTimeout: deps.bodyTimeoutMs,
  });
  const text = await res.body.text();
  const { json, parseFailed } = parseJson(text);
  const bodyObj = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {};
  const echoed = headerString(res.headers.trackingid) ?? (typeof bodyObj.trackingId === 'string' ? bodyObj.trackingId : undefined) ?? trackingId;
  return { status: res.statusCode, headers: res.headers, json, parseFailed, body: bodyObj, echoed };
}

/** What Webex said about a failed call: its errors, its message, and the observation of it. */
export function describeFailure(answer: WebexAnswer) {
  const webexErrors = readErrors(answer.body.errors) ?? [];
  const webexMessage = typeof answer.body.message === 'string' ? answer.body.message : undefined;
  const cls = classifyStatus(answer.status);
  const firstCode = webexErrors[0]?.errorCode;
  const observed: ObservedOutcome = {
    httpStatus: answer.status,
    errorCode: firstCode === undefined ? cls.code : String(firstCode),
    description: webexErrors[0]?.description ?? webexMessage,
  };
  return { webexErrors, webexMessage, cls, observed };
}

/** The Retry-After a failure carries (a 429 always gets one: Webex's, or the default). */
export function retryAfterOf(answer: WebexAnswer, readsRetryAfter: boolean, defaultMs: number | undefined): number | undefined {
  const retryAfter = headerString(answer.headers['retry-after']);
  if (answer.status !== 429 && !(readsRetryAfter && retryAfter !== undefined)) return undefined;
  return parseRetryAfterMs(retryAfter, defaultMs ?? DEFAULT_RETRY_AFTER_MS);
}

export function asWebexError(err: unknown, facts: WebexErrorFacts, fallback: ErrorCode): WebexError {
  if (err instanceof WebexError) return err;
  return new WebexError(fallback, facts, {
    cause: err,
    message: `${facts.operation}: ${(err as Error)?.message ?? String(err)} — TrackingID ${facts.trackingId}`,
  });
}

function parseJson(text: string): { json: unknown; parseFailed: boolean } {
  if (!text || !text.trim()) return { json: undefined, parseFailed: false };
  try {
    return { json: JSON.parse(text) as unknown, parseFailed: false };
  } catch {
    return { json: undefined, parseFailed: true };
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
