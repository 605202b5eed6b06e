import { request, type Dispatcher } from 'undici';
import { WebexError, type ErrorCode, type WebexErrorFacts } from '../errors';
import type { Logger } from '../observability';
import type { WebexCallContext, WebexCallObservation, WebexCallPacer } from '../pipeline/webex-port';
import { classifyStatus, classifyTransportError, isConnectionReset, statusMayHaveApplied } from './classify-failure';
import { readErrors } from './parse-responses';
import { DEFAULT_RETRY_AFTER_MS, parseRetryAfterMs } from './retry-after';
import type { WebexTokenProvider } from './tokens/token-provider';
import { newTrackingId } from './tracking-id';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WebexHttpDeps {
  baseUrl: string;
  /** Injected: a pooled keep-alive Agent in production (createWebexAgent), anything in tests. */
  dispatcher: Dispatcher;
  tokens: WebexTokenProvider;
  logger: Logger;
  /** Every HTTP exchange, success or failure (call log, metrics). */
  onCall?: (obs: WebexCallObservation) => void;
  /** Per-request overrides of the dispatcher's timeouts. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Wait suggested on a 429 without a usable Retry-After (default 10 s, floor 1 s). */
  retryAfterDefaultMs?: number;
  /** The shared rate limit, asked before every exchange (none: unpaced, e.g. a client of the simulator CLI). */
  pacer?: WebexCallPacer;
}

export interface WebexHttpRequest {
  operation: string;
  method: HttpMethod;
  url: URL;
  body?: unknown;
  ctx?: WebexCallContext;
}

export interface WebexHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  trackingId: string;
  /** Path relative to the base URL, for facts and logs. */
  path: string;
}

/**
 * One Webex call: bearer token, TrackingID, timeouts, classification of every failure into a
 * WebexError, one observation per HTTP exchange. It retries only what cannot duplicate work:
 * a request refused with 401 (after one token refresh) and a GET whose reused socket was reset.
 */
export function createWebexHttp(deps: WebexHttpDeps) {
  const base = new URL(deps.baseUrl.replace(/\/+$/, ''));
  const basePath = base.pathname.replace(/\/+$/, '');

  const relativePath = (url: URL) => (url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname) + url.search;

  function observe(req: WebexHttpRequest, path: string, trackingId: string, started: number, outcome: { httpStatus?: number; errorCode?: string; description?: string }): void {
    const durationMs = Math.round(performance.now() - started);
    const obs: WebexCallObservation = { ...req.ctx, operation: req.operation, method: req.method, path, trackingId, durationMs, ...outcome };
    deps.logger.debug('Webex call', { event: 'webex.call', ...obs });
    try {
      deps.onCall?.(obs);
    } catch (err) {
      deps.logger.warn('Webex call observer failed', { event: 'webex.call.observer_failed', err });
    }
  }

  async function exchange(req: WebexHttpRequest, token: string, trackingId: string): Promise<Dispatcher.ResponseData & { text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, trackingid: trackingId, accept: 'application/json' };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    const res = await request(req.url, {
      dispatcher: deps.dispatcher,
      method: req.method,
      headers,
      body,
      headersTimeout: deps.headersTimeoutMs,
      bodyTimeout: deps.bodyTimeoutMs,
    });
    const text = await res.body.text();
    return Object.assign(res, { text });
  }

  async function send(req: WebexHttpRequest): Promise<WebexHttpResponse> {
    const trackingId = newTrackingId();
    const path = relativePath(req.url);
    const baseFacts = (): WebexErrorFacts => ({ operation: req.operation, method: req.method, path, trackingId, webexErrors: [], maybeApplied: false });

    let token: string;
    try {
      token = await deps.tokens.getToken();
    } catch (err) {
      throw asWebexError(err, baseFacts(), 'IMPB_ERR_WEBEX_TOKEN_REFRESH');
    }

    let refreshed = false;
    let resetRetried = false;
    for (;;) {
      const started = performance.now();
      let res: Dispatcher.ResponseData & { text: string };
      await deps.pacer?.acquire();
      try {
        res = await exchange(req, token, trackingId);
      } catch (err) {
        if (req.method === 'GET' && !resetRetried && isConnectionReset(err)) {
          resetRetried = true;
          observe(req, path, trackingId, started, { errorCode: 'IMPB_ERR_WEBEX_CONNECTION', description: 'connection reset; retrying the GET once' });
          continue;
        }
        const t = classifyTransportError(err);
        observe(req, path, trackingId, started, { errorCode: t.code, description: t.reason });
        throw new WebexError(t.code, { ...baseFacts(), maybeApplied: t.afterConnect && req.method !== 'GET' }, { cause: err, message: `${req.operation}: no answer from Webex (${t.reason}) — TrackingID ${trackingId}` });
      }

      const { json, parseFailed } = parseJson(res.text);
      const bodyObj = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {};
      const echoed = headerString(res.headers.trackingid) ?? (typeof bodyObj.trackingId === 'string' ? bodyObj.trackingId : undefined) ?? trackingId;
      const status = res.statusCode;

      if (status >= 200 && status < 300) {
        if (parseFailed) {
          observe(req, path, echoed, started, { httpStatus: status, errorCode: 'IMPB_ERR_WEBEX_BAD_RESPONSE', description: 'response body is not JSON' });
          throw new WebexError('IMPB_ERR_WEBEX_BAD_RESPONSE', { ...baseFacts(), httpStatus: status, trackingId: echoed, maybeApplied: req.method !== 'GET' }, { message: `${req.operation}: Webex answered ${status} with a body that is not JSON — TrackingID ${echoed}` });
        }
        const first = readErrors(bodyObj.errors)?.[0];
        observe(req, path, echoed, started, { httpStatus: status, errorCode: first?.errorCode === undefined ? undefined : String(first.errorCode), description: first?.description });
        return { status, headers: res.headers, json, trackingId: echoed, path };
      }

      const webexErrors = readErrors(bodyObj.errors) ?? [];
      const webexMessage = typeof bodyObj.message === 'string' ? bodyObj.message : undefined;
      const cls = classifyStatus(status);
      const firstCode = webexErrors[0]?.errorCode;
      observe(req, path, echoed, started, { httpStatus: status, errorCode: firstCode === undefined ? cls.code : String(firstCode), description: webexErrors[0]?.description ?? webexMessage });

      if (status === 401 && !refreshed) {
        refreshed = true;
        let fresh: string | undefined;
        try {
          fresh = await deps.tokens.onUnauthorized(token);
        } catch (err) {
          throw asWebexError(err, { ...baseFacts(), httpStatus: status, trackingId: echoed, webexMessage, webexErrors }, 'IMPB_ERR_WEBEX_TOKEN_REFRESH');
        }
        if (fresh && fresh !== token) {
          token = fresh;
          continue;
        }
      }

      const facts: WebexErrorFacts = {
        ...baseFacts(),
        httpStatus: status,
        trackingId: echoed,
        webexMessage,
        webexErrors,
        maybeApplied: statusMayHaveApplied(status, req.method),
      };
      const retryAfter = headerString(res.headers['retry-after']);
      if (status === 429 || (cls.readsRetryAfter && retryAfter !== undefined)) {
        facts.retryAfterMs = parseRetryAfterMs(retryAfter, deps.retryAfterDefaultMs ?? DEFAULT_RETRY_AFTER_MS);
      }
      if (status === 429) deps.pacer?.onRateLimited(facts.retryAfterMs);
      if (status === 401) {
        const what = refreshed && deps.tokens.status().kind !== 'static' ? 'even after a token refresh' : 'the configured token';
        throw new WebexError('IMPB_ERR_WEBEX_UNAUTHORIZED', facts, {
          message: `${req.operation}: Webex refused the access token (401, ${what}): fix ${deps.tokens.source}${webexMessage ? ` — ${webexMessage}` : ''} — TrackingID ${echoed}`,
        });
      }
      throw new WebexError(cls.code, facts, { retryable: cls.retryable });
    }
  }

  return { send, base, basePath };
}

export type WebexHttp = ReturnType<typeof createWebexHttp>;

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

function asWebexError(err: unknown, facts: WebexErrorFacts, fallback: ErrorCode): WebexError {
  if (err instanceof WebexError) return err;
  return new WebexError(fallback, facts, { cause: err, message: `${facts.operation}: ${(err as Error)?.message ?? String(err)} — TrackingID ${facts.trackingId}` });
}
