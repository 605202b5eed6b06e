import type { WebexProvisioningApi } from '../pipeline/webex-port';
import { broadworksSubscribers } from './api/broadworks-subscribers';
import { people, type WebexPeopleApi } from './api/people';
import { createWebexCalls } from './api/webex-calls';
import { wholesaleCustomers } from './api/wholesale-customers';
import { wholesaleSubscribers } from './api/wholesale-subscribers';
import { createWebexHttp, type WebexHttpDeps } from './webex-http';

export const DEFAULT_WEBEX_BASE_URL = 'https://webexapis.com/v1';

export interface WebexClientDeps extends Omit<WebexHttpDeps, 'baseUrl'> {
  /** e.g. https://webexapis.com/v1 (default) or the simulator's http://127.0.0.1:PORT/v1. */
  baseUrl?: string;
  /** Safety stop for list pagination (default 10 000 pages). */
  maxPages?: number;
}

/**
 * The provisioning port plus what only the Webex adapter needs: the identity behind the
 * access token, whose org is the partner org Cisco TAC asks for.
 */
export interface WebexClient extends WebexProvisioningApi {
  people: WebexPeopleApi;
}

/** The Webex BroadWorks and Wholesale provisioning client (implements the pipeline's port). */
export function createWebexClient(deps: WebexClientDeps): WebexClient {
  const http = createWebexHttp({ ...deps, baseUrl: deps.baseUrl ?? DEFAULT_WEBEX_BASE_URL });
  const calls = createWebexCalls(http, deps.maxPages ?? 10_000);
  return {
    people: people(calls),
    broadworks: broadworksSubscribers(calls),
    wholesale: { ...wholesaleCustomers(calls), ...wholesaleSubscribers(calls) },
  };
}
