import { randomUUID } from 'node:crypto';
import type { Json } from './simulator-types';

/** Webex ids: base64 (no padding) of ciscospark://us/<TYPE>/<uuid>. */
export function webexId(type: string): string {
  return Buffer.from(`ciscospark://us/${type}/${randomUUID()}`).toString('base64').replace(/=+$/, '');
}

export function nowIso(): string {
  return new Date().toISOString();
}

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errorCode?: number,
    readonly description?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400 errorCode 1001, the Webex answer to a missing or invalid field. */
export function invalidField(field: string, problem = 'is required'): SimHttpError {
  return new SimHttpError(400, `Invalid request: ${field} ${problem}`, 1001, `${field} ${problem}`);
}

/**
 * `after` and `lastStatusChange` filters: "Epoch time (in milliseconds) preferred, but ISO 8601
 * date format also accepted" (spec). Returns epoch ms, undefined when absent.
 */
export function instantFilter(query: URLSearchParams, field: string): number | undefined {
  const raw = query.get(field);
  if (raw === null) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms)) throw invalidField(field, `must be epoch milliseconds or an ISO 8601 date (got "${raw}")`);
  return ms;
}

/** Whether a record's ISO timestamp passes an instant filter (strictly after for `after`, at or after otherwise). */
export function passesInstant(recordIso: unknown, bound: number | undefined, strict: boolean): boolean {
  if (bound === undefined) return true;
  const at = Date.parse(String(recordIso));
  if (!Number.isFinite(at)) return false;
  return strict ? at > bound : at >= bound;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function requireString(body: Json, field: string, label = field): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw invalidField(label);
  return value;
}

export function optionalString(body: Json, field: string, label = field): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidField(label, 'must be a string');
  return value;
}

export function asJsonObject(value: unknown, label = 'request body'): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidField(label, 'must be a JSON object');
  return value as Json;
}

export interface PageOptions {
  /** The route's base URL with path, e.g. http://127.0.0.1:1234/v1/broadworks/subscribers */
  routeUrl: string;
  query: URLSearchParams;
  /** 'cursor' (BroadWorks) or 'offset' (Wholesale). */
  cursorParam: string;
  brokenLinks: boolean;
}

/** `max` default 50, at most 100; `max=null` and other non-numbers are refused like Webex does. */
export function paginate<T>(items: T[], options: PageOptions): { page: T[]; link?: string } {
  const rawMax = options.query.get('max');
  let max = 50;
  if (rawMax !== null) {
    if (!/^\d+$/.test(rawMax) || Number(rawMax) < 1) throw invalidField('max', `must be a positive whole number (got "${rawMax}")`);
    max = Math.min(100, Number(rawMax));
  }
  const rawStart = options.query.get(options.cursorParam);
  let start = 0;
  if (rawStart !== null) {
    const decoded = options.cursorParam === 'cursor' ? Buffer.from(rawStart, 'base64url').toString('utf8') : rawStart;
    if (!/^\d+$/.test(decoded)) throw invalidField(options.cursorParam, 'is not valid');
    start = Number(decoded);
  }
  const page = items.slice(start, start + max);
  if (start + max >= items.length) return { page };
  const nextStart = String(start + max);
  const cursor = options.cursorParam === 'cursor' ? Buffer.from(nextStart).toString('base64url') : nextStart;
  const next = new URLSearchParams();
  if (options.brokenLinks) {
    next.set('max', 'null');
  } else {
    for (const [k, v] of options.query) if (k !== options.cursorParam) next.append(k, v);
  }
  next.set(options.cursorParam, cursor);
  return { page, link: `<${options.routeUrl}?${next.toString()}>; rel="next"` };
}
