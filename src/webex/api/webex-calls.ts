import { WebexError } from '../../errors';
import type { WebexCallContext, WebexResult } from '../../pipeline/webex-port';
import { nextLinkOf, repairNextLink } from '../link-pagination';
import { readItems, ResponseShapeError } from '../parse-responses';
import { RequestContractError } from '../request-bodies';
import { newTrackingId } from '../tracking-id';
import type { HttpMethod, WebexHttp, WebexHttpResponse } from '../webex-http';

export type Query = Record<string, string | number | boolean | string[] | undefined>;

/**
 * What every group of Webex operations is built from: request URLs, the contract check of a
 * request before it goes out, one call with its answer read, and a paginated list.
 */
export interface WebexCalls {
  url(path: string, query?: Query): URL;
  /** Builds a request body; a contract violation becomes a WebexError that was never sent. */
  build<T>(operation: string, method: HttpMethod, path: string, make: () => T): T;
  call<T>(
    operation: string,
    method: HttpMethod,
    target: URL,
    body: unknown,
    ctx: WebexCallContext | undefined,
    reader: (res: WebexHttpResponse) => T,
  ): Promise<WebexResult<T>>;
  /** Follows `Link: rel="next"` to the end, repairing links that lost the filters. */
  listAll<T>(operation: string, first: URL, ctx: WebexCallContext | undefined, reader: (item: unknown) => T): Promise<WebexResult<T[]>>;
  /** Where a 201/202 says the new resource is: its body's url, else its Location header. */
  locationOf(res: WebexHttpResponse): string | undefined;
}

export const idPath = (prefix: string, id: string) => `${prefix}/${encodeURIComponent(id)}`;

export function createWebexCalls(http: WebexHttp, maxPages: number): WebexCalls {
  function url(path: string, query: Query = {}): URL {
    const u = new URL(http.base.href.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === '') continue;
      if (Array.isArray(value)) for (const v of value) u.searchParams.append(key, v);
      else u.searchParams.set(key, String(value));
    }
    return u;
  }

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

  async function call<T>(
    operation: string,
    method: HttpMethod,
    target: URL,
    body: unknown,
    ctx: WebexCallContext | undefined,
    reader: (res: WebexHttpResponse) => T,
  ): Promise<WebexResult<T>> {
    const res = await http.send({ operation, method, url: target, body, ctx });
    return { data: readAnswer(operation, method, res, () => reader(res)), httpStatus: res.status, trackingId: res.trackingId };
  }

  async function listAll<T>(operation: string, first: URL, ctx: WebexCallContext | undefined, reader: (item: unknown) => T): Promise<WebexResult<T[]>> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: URL | undefined = first;
    let last: WebexHttpResponse | undefined;
    while (next) {
      if (seen.has(next.href) || seen.size >= maxPages) {
        throw new WebexError(
          'IMPB_ERR_WEBEX_BAD_RESPONSE',
          {
            operation,
            method: 'GET',
            path: last?.path ?? first.pathname,
            httpStatus: last?.status,
            trackingId: last?.trackingId ?? newTrackingId(),
            webexErrors: [],
            maybeApplied: false,
          },
          { message: `${operation}: Webex pagination does not end (next link repeats or more than ${maxPages} pages)` },
        );
      }
      seen.add(next.href);
      const res: WebexHttpResponse = await http.send({ operation, method: 'GET', url: next, ctx });
      last = res;
      items.push(...readAnswer(operation, 'GET', res, () => readItems(res.json).map(reader)));
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

  return { url, build, call, listAll, locationOf };
}

/** An answer that does not have the documented shape: a WebexError (maybe applied unless a GET). */
function readAnswer<T>(operation: string, method: HttpMethod, res: WebexHttpResponse, reader: () => T): T {
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
