import { simulatedPartnerAdmin } from './people-routes';
import type { SimContext, SimRequest } from './sim-context';
import { CONTROL_PREFIX } from './sim-exchange';
import { createSimFaults, type SimFaults } from './sim-faults';
import { createSimHandler } from './sim-handler';
import { createSimRecorder, type SimRecorder } from './sim-recorder';
import { listenSimServer } from './sim-server';
import { SimHttpError, type SimResponse } from './sim-support';
import { createSimTimers } from './sim-timers';
import type { SimulatorState, SimulatorStats, WebexSimulator, WebexSimulatorOptions } from './simulator-types';

/**
 * A stateful stand-in for the Webex BroadWorks and Wholesale provisioning APIs on loopback
 * HTTP: used by the tests and by the proxy itself when no Webex credentials are configured.
 * Control endpoints (bearer = the simulator token): POST /_simulator/faults (JSON, merged;
 * null clears a fault), GET /_simulator/stats, POST /_simulator/revoke-tokens.
 */
export async function startWebexSimulator(options: WebexSimulatorOptions): Promise<WebexSimulator> {
  if (!options.token) throw new Error('startWebexSimulator: a token is required');
  const provisioningDelayMs = options.provisioningDelayMs ?? 2000;
  const faults = createSimFaults(options.faults);
  const recorder = createSimRecorder(options.requestLogLimit ?? 5000);
  const timers = createSimTimers();
  const state = initialState(options);
  const ctx: SimContext = {
    state,
    baseUrl: '',
    token: options.token,
    oauth: options.oauth,
    provisioningDelayMs,
    customerProvisioningDelayMs: options.customerProvisioningDelayMs ?? provisioningDelayMs,
    faults: () => faults.current(),
    creates: { broadworksSubscribers: 0, customers: 0, wholesaleSubscribers: 0 },
    duplicateCreates: 0,
    counters: { tokenRefreshes: 0, serviceAppGrants: 0 },
    schedule: (ms, fn) => timers.schedule(ms, fn),
    isValidToken(token) {
      if (!token) return false;
      if (token === options.token) return true;
      const expiresAt = state.accessTokens.get(token);
      return expiresAt !== undefined && Date.now() < expiresAt;
    },
  };
  const stats = () => simulatorStats(ctx, recorder);
  const control = createControl(options.token, faults, state, stats);
  const handle = createSimHandler({ ctx, faults, recorder, timers, control, logger: options.logger });
  const { server, baseUrl, port } = await listenSimServer(handle, options.port ?? 0, options.host ?? '127.0.0.1');
  ctx.baseUrl = baseUrl;

  return {
    baseUrl,
    port,
    token: options.token,
    setFaults: (next) => faults.set(next),
    faults: () => ({ ...faults.current() }),
    stats,
    state,
    requestLog: recorder.requestLog,
    revokeAccessTokens: () => state.accessTokens.clear(),
    async close() {
      if (timers.isClosed()) return;
      timers.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function initialState(options: WebexSimulatorOptions): SimulatorState {
  return {
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
}

function simulatorStats(ctx: SimContext, recorder: SimRecorder): SimulatorStats {
  const { state, creates, counters } = ctx;
  return {
    requests: recorder.counters.requests,
    byOperation: { ...recorder.byOperation },
    rateLimited: recorder.counters.rateLimited,
    unauthorized: recorder.counters.unauthorized,
    broadworksSubscribers: state.broadworksSubscribers.size,
    customers: state.customers.size,
    wholesaleSubscribers: state.wholesaleSubscribers.size,
    creates: { ...creates },
    duplicateCreates: ctx.duplicateCreates,
    tokenRefreshes: counters.tokenRefreshes,
    serviceAppGrants: counters.serviceAppGrants,
  };
}

/** The /_simulator/ control endpoints; the bearer must be the simulator token. */
function createControl(token: string, faults: SimFaults, state: SimulatorState, stats: () => SimulatorStats) {
  return (req: SimRequest): SimResponse => {
    if (req.bearer !== token) throw new SimHttpError(401, 'The simulator control endpoints need the simulator token');
    const what = req.path.slice(CONTROL_PREFIX.length);
    if (what === 'stats' && req.method === 'GET') return { status: 200, body: stats() };
    if (what === 'faults' && req.method === 'GET') return { status: 200, body: faults.current() };
    if (what === 'faults' && req.method === 'POST') {
      faults.set(req.body ?? {});
      return { status: 200, body: faults.current() };
    }
    if (what === 'revoke-tokens' && req.method === 'POST') {
      state.accessTokens.clear();
      return { status: 204 };
    }
    throw new SimHttpError(404, 'Unknown simulator control endpoint');
  };
}
