import { WebexError } from '../errors';
import type {
  WebexCallContext,
  WebexProvisioningApi,
  WebexResult,
  WholesaleCustomer,
  WholesaleSubscriber,
} from '../pipeline/webex-port';
import { nextLinkOf, repairNextLink } from './link-pagination';
import {
  readBroadworksSubscriber,
  readItems,
  readPerson,
  readPrecheck,
  readWholesaleCustomer,
  readWholesaleSubscriber,
  ResponseShapeError,
  type WebexPerson,
} from './parse-responses';
import {
  broadworksCreateBody,
  broadworksPrecheckBody,
  broadworksUpdateBody,
  RequestContractError,
  wholesaleCustomerCreateBody,
  wholesaleCustomerUpdateBody,
  wholesalePrecheckBody,
  wholesaleSubscriberCreateBody,
  wholesaleSubscriberUpdateBody,
} from './request-bodies';
import { newTrackingId } from './tracking-id';
import { createWebexHttp, type HttpMethod, type WebexHttpDeps, type WebexHttpResponse } from './webex-http';

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
  people: WebexProvisioningApi['people'] & {
    /** GET /people/me (outside the provisioning OpenAPI files: the Webex People API). `serverDate`: Webex's Date header (clock-skew check). */
    me(ctx?: WebexCallContext): Promise<WebexResult<WebexPerson> & { serverDate?: string }>;
  };
}

type Query = Record<string, string | number | boolean | string[] | undefined>;

/** The Webex BroadWorks and Wholesale provisioning client (implements the pipeline's port). */
export function createWebexClient(deps: WebexClientDeps): WebexClient {
  const http = createWebexHttp({ ...deps, baseUrl: deps.baseUrl ?? DEFAULT_WEBEX_BASE_URL });
  const maxPages = deps.maxPages ?? 10_000;

  function url(path: string, query: Query = {}): URL {
    const u = new URL(http.base.href.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === '') continue;
      if (Array.isArray(value)) for (const v of value) u.searchParams.append(key, v);
      else u.searchParams.set(key, String(value));
    }
    return u;
  }

  const idPath = (prefix: string, id: string) => `${prefix}/${encodeURIComponent(id)}`;

  function build<T>(operation: string, method: HttpMethod, path: string, make: () => T): T {
    try {
      return make();
    } catch (err) {
      if (!(err instanceof RequestContractError)) throw err;
      throw new WebexError(
        'IMPB_ERR_WEBEX_REQUEST_INVALID',
        { operation, method, path, trackingId: newTrackingId(), webexErrors: [], maybeApplied: false },
        { cause: err, message: `${operation}: not sent, ${err.message}` },
      );
    }
  }

  function read<T>(operation: string, method: HttpMethod, res: WebexHttpResponse, reader: () => T): T {
    try {
      return reader();
    } catch (err) {
      if (!(err instanceof ResponseShapeError)) throw err;
      throw new WebexError(
        'IMPB_ERR_WEBEX_BAD_RESPONSE',
        { operation, method, path: res.path, httpStatus: res.status, trackingId: res.trackingId, webexErrors: [], maybeApplied: method !== 'GET' },
        { cause: err, message: `${operation}: unreadable Webex answer (${err.message}) — TrackingID ${res.trackingId}` },
      );
    }
  }

  async function call<T>(operation: string, method: HttpMethod, target: URL, body: unknown, ctx: WebexCallContext | undefined, reader: (res: WebexHttpResponse) => T): Promise<WebexResult<T>> {
    const res = await http.send({ operation, method, url: target, body, ctx });
    return { data: read(operation, method, res, () => reader(res)), httpStatus: res.status, trackingId: res.trackingId };
  }

  /** Follows `Link: rel="next"` to the end, repairing links that lost the filters. */
  async function listAll<T>(operation: string, first: URL, ctx: WebexCallContext | undefined, reader: (item: unknown) => T): Promise<WebexResult<T[]>> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: URL | undefined = first;
    let last: WebexHttpResponse | undefined;
    while (next) {
      if (seen.has(next.href) || seen.size >= maxPages) {
        throw new WebexError(
          'IMPB_ERR_WEBEX_BAD_RESPONSE',
          { operation, method: 'GET', path: last?.path ?? first.pathname, httpStatus: last?.status, trackingId: last?.trackingId ?? newTrackingId(), webexErrors: [], maybeApplied: false },
          { message: `${operation}: Webex pagination does not end (next link repeats or more than ${maxPages} pages)` },
        );
      }
      seen.add(next.href);
      const res: WebexHttpResponse = await http.send({ operation, method: 'GET', url: next, ctx });
      last = res;
      items.push(...read(operation, 'GET', res, () => readItems(res.json).map(reader)));
      const link = nextLinkOf(res.headers.link);
      next = link ? repairNextLink(link, first) : undefined;
    }
    return { data: items, httpStatus: last!.status, trackingId: last!.trackingId };
  }

  const locationOf = (res: WebexHttpResponse): string | undefined => {
    const body = res.json as { url?: unknown } | undefined;
    if (body && typeof body.url === 'string' && body.url) return body.url;
    const loc = res.headers.location;
    const value = Array.isArray(loc) ? loc[0] : loc;
    return value ? new URL(value, http.base).href : undefined;
  };

  /** A customer Location is an absolute URL; only its id is used, against our own base URL. */
  const customerIdOf = (idOrUrl: string) => (/^https?:\/\//i.test(idOrUrl) ? decodeURIComponent(new URL(idOrUrl).pathname.split('/').filter(Boolean).pop() ?? '') : idOrUrl);

  const BW = '/broadworks/subscribers';
  const WC = '/wholesale/customers';
  const WS = '/wholesale/subscribers';

  return {
    people: {
      async me(ctx) {
        let serverDate: string | undefined;
        const result = await call('people.me', 'GET', url('/people/me'), undefined, ctx, (res) => {
          serverDate = [res.headers.date].flat()[0];
          return readPerson(res.json);
        });
        return { ...result, serverDate };
      },
      async getPerson(personId, ctx) {
        // An empty id would make this GET /people, the People list.
        build('people.getPerson', 'GET', '/people', () => {
          if (!personId) throw new RequestContractError('personId', 'personId is required');
        });
        return call('people.getPerson', 'GET', url(idPath('/people', personId)), undefined, ctx, (res) => readPerson(res.json));
      },
    },
    broadworks: {
      async listSubscribers(filter, ctx) {
        return listAll('broadworks.listSubscribers', url(BW, { ...filter }), ctx, readBroadworksSubscriber);
      },
      async createSubscriber(input, ctx) {
        const body = build('broadworks.createSubscriber', 'POST', BW, () => broadworksCreateBody(input));
        return call('broadworks.createSubscriber', 'POST', url(BW), body, ctx, (res) => readBroadworksSubscriber(res.json));
      },
      async getSubscriber(id, ctx) {
        return call('broadworks.getSubscriber', 'GET', url(idPath(BW, id)), undefined, ctx, (res) => readBroadworksSubscriber(res.json));
      },
      async updateSubscriber(id, input, ctx) {
        const body = build('broadworks.updateSubscriber', 'PUT', idPath(BW, id), () => broadworksUpdateBody(input));
        return call('broadworks.updateSubscriber', 'PUT', url(idPath(BW, id)), body, ctx, (res) => readBroadworksSubscriber(res.json));
      },
      async deleteSubscriber(id, ctx) {
        return call('broadworks.deleteSubscriber', 'DELETE', url(idPath(BW, id)), undefined, ctx, () => undefined);
      },
      async precheck(input, ctx) {
        const body = build('broadworks.precheck', 'POST', `${BW}/validate`, () => broadworksPrecheckBody(input));
        return call('broadworks.precheck', 'POST', url(`${BW}/validate`), body, ctx, (res) => readPrecheck(res.json));
      },
    },
    wholesale: {
      async listCustomers(filter, ctx) {
        return listAll<WholesaleCustomer>('wholesale.listCustomers', url(WC, { externalId: filter.externalId, orgId: filter.orgId, status: filter.status }), ctx, readWholesaleCustomer);
      },
      async createCustomer(input, ctx) {
        const body = build('wholesale.createCustomer', 'POST', WC, () => wholesaleCustomerCreateBody(input));
        return call('wholesale.createCustomer', 'POST', url(WC), body, ctx, (res) => {
          const location = locationOf(res);
          if (!location) throw new ResponseShapeError('202 without a Location or url');
          return { url: location };
        });
      },
      async getCustomer(idOrUrl, ctx) {
        return call('wholesale.getCustomer', 'GET', url(idPath(WC, customerIdOf(idOrUrl))), undefined, ctx, (res) => readWholesaleCustomer(res.json));
      },
      async updateCustomer(id, input, ctx) {
        const path = idPath(WC, customerIdOf(id));
        const body = build('wholesale.updateCustomer', 'PUT', path, () => wholesaleCustomerUpdateBody(input));
        return call('wholesale.updateCustomer', 'PUT', url(path), body, ctx, (res) => ({ url: locationOf(res) }));
      },
      async deleteCustomer(id, ctx) {
        return call('wholesale.deleteCustomer', 'DELETE', url(idPath(WC, customerIdOf(id))), undefined, ctx, () => undefined);
      },
      async listSubscribers(filter, ctx) {
        return listAll<WholesaleSubscriber>('wholesale.listSubscribers', url(WS, { ...filter }), ctx, readWholesaleSubscriber);
      },
      async createSubscriber(input, ctx) {
        const body = build('wholesale.createSubscriber', 'POST', WS, () => wholesaleSubscriberCreateBody(input));
        return call('wholesale.createSubscriber', 'POST', url(WS), body, ctx, (res) => readWholesaleSubscriber(res.json));
      },
      async getSubscriber(id, ctx) {
        return call('wholesale.getSubscriber', 'GET', url(idPath(WS, id)), undefined, ctx, (res) => readWholesaleSubscriber(res.json));
      },
      async updateSubscriber(id, input, ctx) {
        const body = build('wholesale.updateSubscriber', 'PUT', idPath(WS, id), () => wholesaleSubscriberUpdateBody(input));
        return call('wholesale.updateSubscriber', 'PUT', url(idPath(WS, id)), body, ctx, (res) => readWholesaleSubscriber(res.json));
      },
      async deleteSubscriber(id, ctx) {
        return call('wholesale.deleteSubscriber', 'DELETE', url(idPath(WS, id)), undefined, ctx, () => undefined);
      },
      async precheck(input, ctx) {
        const body = build('wholesale.precheck', 'POST', `${WS}/validate`, () => wholesalePrecheckBody(input));
        return call('wholesale.precheck', 'POST', url(`${WS}/validate`), body, ctx, (res) => readPrecheck(res.json));
      },
    },
  };
}

