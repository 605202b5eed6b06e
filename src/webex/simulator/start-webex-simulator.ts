import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { handleBroadworks } from './broadworks-routes';
import { handlePeople, simulatedPartnerAdmin } from './people-routes';
import type { SimContext, SimRequest } from './sim-context';
import { SimHttpError, type SimResponse } from './sim-support';
import { handleTokens } from './token-routes';
import { handleWholesale } from './wholesale-routes';
import type { SimulatorFaults, SimulatorRequestLogEntry, SimulatorState, SimulatorStats, WebexSimulator, WebexSimulatorOptions } from './simulator-types';

const BODY_LIMIT = 1024 * 1024;
const CONTROL_PREFIX = '/_simulator/';

/**
 * A stateful stand-in for the Webex BroadWorks and Wholesale provisioning APIs on loopback
 * HTTP: used by the tests and by the proxy itself when no Webex credentials are configured.
 * Control endpoints (bearer = the simulator token): POST /_simulator/faults (JSON, merged;
 * null clears a fault), GET /_simulator/stats, POST /_simulator/revoke-tokens.
 */
export async function startWebexSimulator(options: WebexSimulatorOptions): Promise<WebexSimulator> {
  if (!options.token) throw new Error('startWebexSimulator: a token is required');
  const host = options.host ?? '127.0.0.1';
  const provisioningDelayMs = options.provisioningDelayMs ?? 2000;
  const logLimit = options.requestLogLimit ?? 5000;
  let faults: SimulatorFaults = { ...options.faults };
  const state: SimulatorState = {
    broadworksSubscribers: new Map(),
    customers: new Map(),
    wholesaleSubscribers: new Map(),
    preMappedUserIds: new Set(options.preMappedUserIds ?? []),
    existingWebexUserEmails: new Set(options.existingWebexUserEmails ?? []),
    untrustedEmailProvisioningIds: new Set(options.untrustedEmailProvisioningIds ?? []),
    broadworksCustomerOrgs: new Map(),
    wholesaleCalling: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Set(options.oauth ? [options.oauth.refreshToken] : []),
    serviceAppTokenRequests: [],
    me: simulatedPartnerAdmin(options.partnerOrgUuid),
  };
  const requestLog: SimulatorRequestLogEntry[] = [];
  const byOperation: Record<string, number> = {};
  const counters = { requests: 0, rateLimited: 0, unauthorized: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const recentApiCalls: number[] = [];
  let closed = false;

  const ctx: SimContext = {
    state,
    baseUrl: '',
    token: options.token,
    oauth: options.oauth,
    provisioningDelayMs,
    customerProvisioningDelayMs: options.customerProvisioningDelayMs ?? provisioningDelayMs,
    faults: () => faults,
    creates: { broadworksSubscribers: 0, customers: 0, wholesaleSubscribers: 0 },
    counters: { tokenRefreshes: 0, serviceAppGrants: 0 },
    schedule(ms, fn) {
      if (closed) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timer.unref();
      timers.add(timer);
    },
    isValidToken(token) {
      if (!token) return false;
      if (token === options.token) return true;
      const expiresAt = state.accessTokens.get(token);
      return expiresAt !== undefined && Date.now() < expiresAt;
    },
  };

  function setFaults(next: Partial<SimulatorFaults>): void {
    const merged: Record<string, unknown> = { ...faults };
    for (const [key, value] of Object.entries(next)) {
      if (value === null || value === undefined) delete merged[key];
      else merged[key] = value;
    }
    faults = merged as SimulatorFaults;
  }

  function stats(): SimulatorStats {
    return {
      requests: counters.requests,
      byOperation: { ...byOperation },
      rateLimited: counters.rateLimited,
      unauthorized: counters.unauthorized,
      broadworksSubscribers: state.broadworksSubscribers.size,
      customers: state.customers.size,
      wholesaleSubscribers: state.wholesaleSubscribers.size,
      creates: { ...ctx.creates },
      tokenRefreshes: ctx.counters.tokenRefreshes,
      serviceAppGrants: ctx.counters.serviceAppGrants,
    };
  }

  function log(entry: Omit<SimulatorRequestLogEntry, 'at'>): void {
    requestLog.push({ at: new Date().toISOString(), ...entry });
    if (requestLog.length > logLimit) requestLog.splice(0, requestLog.length - logLimit);
  }

  function errorBody(message: string, trackingId: string, errorCode?: number, description?: string) {
    return { message, errors: [{ description: description ?? message, ...(errorCode === undefined ? {} : { errorCode }) }], trackingId };
  }

  function operationName(method: string, path: string): string {
    const template = path
      .split('/')
      .map((seg, i, all) => (i >= 3 && seg !== 'validate' && seg !== 'token' ? '{id}' : (all[1] === 'applications' || (all[1] === 'people' && seg !== 'me')) && i === 2 ? '{id}' : seg))
      .join('/');
    return `${method} ${template}`;
  }

  function isRateLimited(): boolean {
    const limit = faults.rateLimitPerSecond;
    if (!limit || limit <= 0) return false;
    const now = Date.now();
    while (recentApiCalls.length > 0 && recentApiCalls[0] <= now - 1000) recentApiCalls.shift();
    if (recentApiCalls.length >= limit) return true;
    recentApiCalls.push(now);
    return false;
  }

  function takeStalledBody(): boolean {
    const n = faults.stallNextBodies;
    if (!n || n <= 0) return false;
    setFaults({ stallNextBodies: n - 1 || undefined });
    return true;
  }

  /** The Retry-After header of an injected 429/503; an empty retryAfter fault sends none. */
  function retryAfterHeader(): Record<string, string> {
    const value = faults.retryAfter ?? '1';
    return value === '' ? {} : { 'retry-after': value };
  }

  function takeFailNext(method: string, path: string): number | undefined {
    const f = faults.failNext;
    if (!f || f.count <= 0) return undefined;
    if (f.method && f.method.toUpperCase() !== method) return undefined;
    if (f.path && !path.includes(f.path)) return undefined;
    const count = f.count - 1;
    faults = { ...faults, failNext: count > 0 ? { ...f, count } : undefined };
    if (!faults.failNext) delete faults.failNext;
    return f.status;
  }

  function route(req: SimRequest): SimResponse {
    const area = req.segments[0];
    const handled =
      handleTokens(ctx, req) ??
      (area === 'broadworks' ? handleBroadworks(ctx, req) : area === 'wholesale' ? handleWholesale(ctx, req) : area === 'people' ? handlePeople(ctx, req) : undefined);
    if (!handled) throw new SimHttpError(404, 'The requested resource could not be found.');
    return handled;
  }

  function control(req: SimRequest): SimResponse {
    if (req.bearer !== options.token) throw new SimHttpError(401, 'The simulator control endpoints need the simulator token');
    const what = req.path.slice(CONTROL_PREFIX.length);
    if (what === 'stats' && req.method === 'GET') return { status: 200, body: stats() };
    if (what === 'faults' && req.method === 'GET') return { status: 200, body: faults };
    if (what === 'faults' && req.method === 'POST') {
      setFaults((req.body ?? {}) as Partial<SimulatorFaults>);
      return { status: 200, body: faults };
    }
    if (what === 'revoke-tokens' && req.method === 'POST') {
      state.accessTokens.clear();
      return { status: 204 };
    }
    throw new SimHttpError(404, 'Unknown simulator control endpoint');
  }

  async function handle(raw: http.IncomingMessage, res: http.ServerResponse, rawBody: string): Promise<void> {
    const incomingTracking = raw.headers.trackingid;
    const trackingId = (Array.isArray(incomingTracking) ? incomingTracking[0] : incomingTracking) || `SIM_${randomUUID()}`;
    const url = new URL(raw.url ?? '/', 'http://simulator');
    const method = (raw.method ?? 'GET').toUpperCase();
    const contentType = String(raw.headers['content-type'] ?? '');
    let body: unknown;
    let parseError = false;
    if (rawBody && contentType.includes('json')) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        parseError = true;
      }
    }
    const authz = String(raw.headers.authorization ?? '');
    const bearer = /^Bearer\s+(.+)$/i.exec(authz)?.[1];
    const isControl = url.pathname.startsWith(CONTROL_PREFIX);
    const apiPath = url.pathname.startsWith('/v1/') ? url.pathname.slice(3) : url.pathname;
    const req: SimRequest = { method, path: isControl ? url.pathname : apiPath, segments: apiPath.split('/').filter(Boolean), query: url.searchParams, body, rawBody, contentType, bearer };
    const isToken = !isControl && (apiPath === '/access_token' || req.segments[0] === 'applications');
    const logPath = url.pathname + url.search;

    const send = (out: SimResponse) => {
      const headers: Record<string, string> = { trackingid: trackingId, ...out.headers };
      let payload: string | undefined;
      if (out.body !== undefined) {
        payload = JSON.stringify(out.body);
        headers['content-type'] = 'application/json;charset=UTF-8';
      }
      // Copies of what went over the wire: the records answered keep changing afterwards.
      if (!isControl) log({ method, path: logPath, status: out.status, trackingId, body: isToken ? undefined : structuredClone(body), response: isToken || payload === undefined ? undefined : JSON.parse(payload) });
      res.writeHead(out.status, headers);
      if (!isControl && payload !== undefined && out.status < 300 && takeStalledBody()) {
        // Headers and the first bytes go out, the rest never does (until close): a body timeout.
        res.write(payload.slice(0, 1));
        return;
      }
      res.end(payload);
    };
    const fail = (err: SimHttpError) => {
      if (err.status === 401) counters.unauthorized += 1;
      send({ status: err.status, body: errorBody(err.message, trackingId, err.errorCode, err.description), headers: err.headers });
    };

    try {
      if (isControl) return send(control(req));
      counters.requests += 1;
      const op = operationName(method, apiPath);
      byOperation[op] = (byOperation[op] ?? 0) + 1;
      if (faults.latencyMs && faults.latencyMs > 0) {
        const ms = faults.latencyMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timer.unref();
          timers.add(timer);
        });
        if (closed) return;
      }
      if (faults.dropNextConnections && faults.dropNextConnections > 0 && !isToken) {
        setFaults({ dropNextConnections: faults.dropNextConnections - 1 || undefined });
        log({ method, path: logPath, status: 0, trackingId, body });
        raw.socket.destroy();
        return;
      }
      if (!isToken && (faults.refuseTokens || !ctx.isValidToken(bearer))) {
        throw new SimHttpError(401, 'The request requires a valid access token set in the Authorization request header.');
      }
      if (!isToken && isRateLimited()) {
        counters.rateLimited += 1;
        throw new SimHttpError(429, 'Too many requests: the rate limit was reached.', undefined, undefined, retryAfterHeader());
      }
      const failStatus = isToken && !faults.failNext?.path ? undefined : takeFailNext(method, apiPath);
      if (failStatus !== undefined) {
        const headers = failStatus === 429 || failStatus === 503 ? retryAfterHeader() : {};
        if (failStatus === 429) counters.rateLimited += 1;
        throw new SimHttpError(failStatus, `Injected failure (${failStatus})`, undefined, 'fault injected by the simulator', headers);
      }
      if (parseError) throw new SimHttpError(400, 'Invalid request: the body is not valid JSON', 1001, 'body is not valid JSON');
      send(route(req));
    } catch (err) {
      if (err instanceof SimHttpError) return fail(err);
      options.logger?.error('Webex simulator: handler failed', { event: 'simulator.error', err });
      fail(new SimHttpError(500, 'Internal simulator error'));
    }
  }

  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        raw.destroy();
        return;
      }
      chunks.push(chunk);
    });
    raw.on('end', () => {
      void handle(raw, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.address.includes(':') ? `[${address.address}]` : address.address;
  ctx.baseUrl = `http://${hostForUrl}:${address.port}/v1`;

  return {
    baseUrl: ctx.baseUrl,
    port: address.port,
    token: options.token,
    setFaults,
    faults: () => ({ ...faults }),
    stats,
    state,
    requestLog,
    revokeAccessTokens: () => state.accessTokens.clear(),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
