import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { SimRequest } from './sim-context';

export const CONTROL_PREFIX = '/_simulator/';

/** One request as the simulator sees it, before any fault or route. */
export interface SimExchange {
  req: SimRequest;
  trackingId: string;
  /** A /_simulator/ control request: neither counted nor logged nor faulted. */
  isControl: boolean;
  /** A token request (/access_token, /applications/…): never logged with its body. */
  isToken: boolean;
  apiPath: string;
  logPath: string;
  /** A JSON body that does not parse: answered 400 once the faults had their say. */
  parseError: boolean;
}

export function parseExchange(raw: http.IncomingMessage, rawBody: string): SimExchange {
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
  const req: SimRequest = {
    method,
    path: isControl ? url.pathname : apiPath,
    segments: apiPath.split('/').filter(Boolean),
    query: url.searchParams,
    body,
    rawBody,
    contentType,
    bearer,
  };
  const isToken = !isControl && (apiPath === '/access_token' || req.segments[0] === 'applications');
  return { req, trackingId, isControl, isToken, apiPath, logPath: url.pathname + url.search, parseError };
}

export function errorBody(message: string, trackingId: string, errorCode?: number, description?: string) {
  return { message, errors: [{ description: description ?? message, ...(errorCode === undefined ? {} : { errorCode }) }], trackingId };
}
