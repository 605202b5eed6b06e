import { WebexError, type WebexErrorFacts } from '../errors';
import { classifyTransportError, isConnectionReset, statusMayHaveApplied } from './classify-failure';
import { readErrors } from './parse-responses';
import { newTrackingId } from './tracking-id';
import type { WebexHttpDeps, WebexHttpRequest, WebexHttpResponse } from './webex-http-types';
import { asWebexError, baseFacts, describeFailure, exchange, observeCall, retryAfterOf, type CallScope, type WebexAnswer } from './webex-exchange';

export type { HttpMethod, WebexHttpDeps, WebexHttpRequest, WebexHttpResponse } from './webex-http-types';

export interface WebexHttp {
  send(req: WebexHttpRequest): Promise<WebexHttpResponse>;
  base: URL;
  basePath: string;
}

/**
 * One Webex call: bearer token, TrackingID, timeouts, classification of every failure into a
 * WebexError, one observation per HTTP exchange. It retries only what cannot duplicate work:
 * a request refused with 401 (after one token refresh) and a GET whose reused socket was reset.
 */
export function createWebexHttp(deps: WebexHttpDeps): WebexHttp {
  const base = new URL(deps.baseUrl.replace(/\/+$/, ''));
  const basePath = base.pathname.replace(/\/+$/, '');
  const relativePath = (url: URL) => (url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname) + url.search;

  async function send(req: WebexHttpRequest): Promise<WebexHttpResponse> {
    const scope: CallScope = { req, path: relativePath(req.url), trackingId: newTrackingId() };
    let token: string;
    try {
      token = await deps.tokens.getToken();
    } catch (err) {
      throw asWebexError(err, baseFacts(scope), 'IMPB_ERR_WEBEX_TOKEN_REFRESH');
    }
    let refreshed = false;
    let resetRetried = false;
    for (;;) {
      const started = performance.now();
      let answer: WebexAnswer;
      await deps.pacer?.acquire();
      // After the pacer, which may have waited long (the shared budget unreachable): the caller
      // may no longer be entitled to send (its job's lease expired and the job was taken over).
      await req.ctx?.beforeSend?.();
      try {
        answer = await exchange(deps, req, token, scope.trackingId);
      } catch (err) {
        if (req.method === 'GET' && !resetRetried && isConnectionReset(err)) {
          resetRetried = true;
          observeCall(deps, scope, scope.trackingId, started, {
            errorCode: 'IMPB_ERR_WEBEX_CONNECTION',
            description: 'connection reset; retrying the GET once',
          });
          continue;
        }
        throw transportFailure(deps, scope, started, err);
      }
      if (answer.status >= 200 && answer.status < 300) return success(deps, scope, started, answer);

      const failure = describeFailure(answer);
      observeCall(deps, scope, answer.echoed, started, failure.observed);
      if (answer.status === 401 && !refreshed) {
        refreshed = true;
        const fresh = await refreshedToken(deps, token, {
          ...baseFacts(scope),
          httpStatus: answer.status,
          trackingId: answer.echoed,
          webexMessage: failure.webexMessage,
          webexErrors: failure.webexErrors,
        });
        if (fresh && fresh !== token) {
          token = fresh;
          continue;
        }
      }
      throw failureError(deps, scope, answer, failure, refreshed);
    }
  }

  return { send, base, basePath };
}

function transportFailure(deps: WebexHttpDeps, scope: CallScope, started: number, err: unknown): WebexError {
  const { req, trackingId } = scope;
  const t = classifyTransportError(err);
  observeCall(deps, scope, trackingId, started, { errorCode: t.code, description: t.reason });
  return new WebexError(
    t.code,
    { ...baseFacts(scope), maybeApplied: t.afterConnect && req.method !== 'GET' },
    { cause: err, message: `${req.operation}: no answer from Webex (${t.reason}) — TrackingID ${trackingId}` },
  );
}

/** A 2xx: its body must be JSON (or empty); an errors array in it is observed, not thrown. */
function success(deps: WebexHttpDeps, scope: CallScope, started: number, answer: WebexAnswer): WebexHttpResponse {
  const { req } = scope;
  const { status, echoed } = answer;
  if (answer.parseFailed) {
    observeCall(deps, scope, echoed, started, { httpStatus: status, errorCode: 'IMPB_ERR_WEBEX_BAD_RESPONSE', description: 'response body is not JSON' });
    throw new WebexError(
      'IMPB_ERR_WEBEX_BAD_RESPONSE',
      { ...baseFacts(scope), httpStatus: status, trackingId: echoed, maybeApplied: req.method !== 'GET' },
      { message: `${req.operation}: Webex answered ${status} with a body that is not JSON — TrackingID ${echoed}` },
    );
  }
  const first = readErrors(answer.body.errors)?.[0];
  observeCall(deps, scope, echoed, started, {
    httpStatus: status,
    errorCode: first?.errorCode === undefined ? undefined : String(first.errorCode),
    description: first?.description,
  });
  return { status, headers: answer.headers, json: answer.json, trackingId: echoed, path: scope.path };
}

/** After a 401: the token provider's fresh token (undefined or the same one: nothing to retry with). */
async function refreshedToken(deps: WebexHttpDeps, token: string, facts: WebexErrorFacts): Promise<string | undefined> {
  try {
    return await deps.tokens.onUnauthorized(token);
  } catch (err) {
    throw asWebexError(err, facts, 'IMPB_ERR_WEBEX_TOKEN_REFRESH');
  }
}

/** The WebexError of a non-2xx answer; a 429 also halves the shared rate. */
function failureError(deps: WebexHttpDeps, scope: CallScope, answer: WebexAnswer, failure: ReturnType<typeof describeFailure>, refreshed: boolean): WebexError {
  const { req } = scope;
  const { status, echoed } = answer;
  const { webexMessage, webexErrors, cls } = failure;
  const facts: WebexErrorFacts = {
    ...baseFacts(scope),
    httpStatus: status,
    trackingId: echoed,
    webexMessage,
    webexErrors,
    maybeApplied: statusMayHaveApplied(status, req.method),
  };
  const retryAfterMs = retryAfterOf(answer, cls.readsRetryAfter, deps.retryAfterDefaultMs);
  if (retryAfterMs !== undefined) facts.retryAfterMs = retryAfterMs;
  if (status === 429) deps.pacer?.onRateLimited(facts.retryAfterMs);
  if (status === 401) {
    const what = refreshed && deps.tokens.status().kind !== 'static' ? 'even after a token refresh' : 'the configured token';
    return new WebexError('IMPB_ERR_WEBEX_UNAUTHORIZED', facts, {
      message: `${req.operation}: Webex refused the access token (401, ${what}): fix ${deps.tokens.source}${webexMessage ? ` — ${webexMessage}` : ''} — TrackingID ${echoed}`,
    });
  }
  return new WebexError(cls.code, facts, { retryable: cls.retryable });
}
