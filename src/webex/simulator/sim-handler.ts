import type http from 'node:http';
import type { Logger } from '../../observability';
import { handleBroadworks } from './broadworks-routes';
import { handlePeople } from './people-routes';
import type { SimContext, SimRequest } from './sim-context';
import { errorBody, parseExchange, type SimExchange } from './sim-exchange';
import type { SimFaults } from './sim-faults';
import type { SimRecorder } from './sim-recorder';
import { SimHttpError, type SimResponse } from './sim-support';
import type { SimTimers } from './sim-timers';
import { handleTokens } from './token-routes';
import { handleWholesale } from './wholesale-routes';

export interface SimHandlerDeps {
  ctx: SimContext;
  faults: SimFaults;
  recorder: SimRecorder;
  timers: SimTimers;
  /** Answers a /_simulator/ control request. */
  control(req: SimRequest): SimResponse;
  logger?: Logger;
}

export type SimHandler = (raw: http.IncomingMessage, res: http.ServerResponse, rawBody: string) => Promise<void>;

/** Answers one request: control, or the faults in the order Webex would show them, then the route. */
export function createSimHandler(deps: SimHandlerDeps): SimHandler {
  const { faults, recorder } = deps;
  return async (raw, res, rawBody) => {
    const ex = parseExchange(raw, rawBody);
    const send = (out: SimResponse) => writeResponse(deps, ex, res, out);
    const fail = (err: SimHttpError) => {
      if (err.status === 401) recorder.counters.unauthorized += 1;
      send({ status: err.status, body: errorBody(err.message, ex.trackingId, err.errorCode, err.description), headers: err.headers });
    };
    try {
      if (ex.isControl) return send(deps.control(ex.req));
      recorder.countRequest(ex.req.method, ex.apiPath);
      const latencyMs = faults.current().latencyMs;
      if (latencyMs && latencyMs > 0) {
        await deps.timers.delay(latencyMs);
        if (deps.timers.isClosed()) return;
      }
      if (dropConnection(deps, ex, raw)) return;
      checkInjectedFailures(deps, ex);
      if (ex.parseError) throw new SimHttpError(400, 'Invalid request: the body is not valid JSON', 1001, 'body is not valid JSON');
      send(routeApi(deps.ctx, ex.req));
    } catch (err) {
      if (err instanceof SimHttpError) return fail(err);
      deps.logger?.error('Webex simulator: handler failed', { event: 'simulator.error', err });
      fail(new SimHttpError(500, 'Internal simulator error'));
    }
  };
}

function writeResponse(deps: SimHandlerDeps, ex: SimExchange, res: http.ServerResponse, out: SimResponse): void {
  const headers: Record<string, string> = { trackingid: ex.trackingId, ...out.headers };
  let payload: string | undefined;
  if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    headers['content-type'] = 'application/json;charset=UTF-8';
  }
  const { method, body } = ex.req;
  // Copies of what went over the wire: the records answered keep changing afterwards.
  if (!ex.isControl) {
    const response = ex.isToken || payload === undefined ? undefined : (JSON.parse(payload) as unknown);
    deps.recorder.log({
      method,
      path: ex.logPath,
      status: out.status,
      trackingId: ex.trackingId,
      body: ex.isToken ? undefined : structuredClone(body),
      response,
    });
  }
  res.writeHead(out.status, headers);
  if (!ex.isControl && payload !== undefined && out.status < 300 && deps.faults.takeStalledBody()) {
    // Headers and the first bytes go out, the rest never does (until close): a body timeout.
    res.write(payload.slice(0, 1));
    return;
  }
  res.end(payload);
}

/** The dropNextConnections fault: the socket closes without an answer (token calls spared). */
function dropConnection(deps: SimHandlerDeps, ex: SimExchange, raw: http.IncomingMessage): boolean {
  const drops = deps.faults.current().dropNextConnections;
  if (!drops || drops <= 0 || ex.isToken) return false;
  deps.faults.set({ dropNextConnections: drops - 1 || undefined });
  deps.recorder.log({ method: ex.req.method, path: ex.logPath, status: 0, trackingId: ex.trackingId, body: ex.req.body });
  raw.socket.destroy();
  return true;
}

/** Throws the 401, 429 or injected failure the request meets, if any. */
function checkInjectedFailures(deps: SimHandlerDeps, ex: SimExchange): void {
  const { faults, recorder } = deps;
  const current = faults.current();
  if (!ex.isToken && (current.refuseTokens || !deps.ctx.isValidToken(ex.req.bearer))) {
    throw new SimHttpError(401, 'The request requires a valid access token set in the Authorization request header.');
  }
  if (!ex.isToken && faults.isRateLimited()) {
    recorder.counters.rateLimited += 1;
    throw new SimHttpError(429, 'Too many requests: the rate limit was reached.', undefined, undefined, faults.retryAfterHeader());
  }
  const failStatus = ex.isToken && !current.failNext?.path ? undefined : faults.takeFailNext(ex.req.method, ex.apiPath);
  if (failStatus === undefined) return;
  const headers = failStatus === 429 || failStatus === 503 ? faults.retryAfterHeader() : {};
  if (failStatus === 429) recorder.counters.rateLimited += 1;
  throw new SimHttpError(failStatus, `Injected failure (${failStatus})`, undefined, 'fault injected by the simulator', headers);
}

function routeApi(ctx: SimContext, req: SimRequest): SimResponse {
  const area = req.segments[0];
  const handled =
    handleTokens(ctx, req) ??
    (area === 'broadworks'
      ? handleBroadworks(ctx, req)
      : area === 'wholesale'
        ? handleWholesale(ctx, req)
        : area === 'people'
          ? handlePeople(ctx, req)
          : undefined);
  if (!handled) throw new SimHttpError(404, 'The requested resource could not be found.');
  return handled;
}
