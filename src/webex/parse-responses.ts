import type { BroadworksSubscriber, PrecheckResult, WebexErrorEntry, WebexPerson, WholesaleCustomer, WholesaleSubscriber } from '../pipeline/webex-port';

export type { WebexPerson };

/**
 * Lenient readers: unknown fields are kept, unknown enum values accepted. Only what the
 * proxy relies on is normalised: `selfActivated` ("true"/"false" strings seen live), and
 * `errors` (always an array of {errorCode, description}).
 */

export class ResponseShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseShapeError';
  }
}

type Json = Record<string, unknown>;

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ResponseShapeError(`expected a JSON object for ${what}`);
  return value as Json;
}

export function readErrors(value: unknown): WebexErrorEntry[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((e): e is Json => typeof e === 'object' && e !== null)
    .map((e) => {
      const out: WebexErrorEntry & Json = { ...e };
      if (typeof e.errorCode !== 'number' && typeof e.errorCode !== 'string') delete out.errorCode;
      if (typeof e.description !== 'string') {
        delete out.description;
        if (typeof e.message === 'string') out.description = e.message;
      }
      return out;
    });
}

function toBoolean(value: unknown): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function withErrors<T extends Json>(item: T): T {
  const errors = readErrors(item.errors);
  if (errors) (item as Json).errors = errors;
  else delete (item as Json).errors;
  return item;
}

export function readBroadworksSubscriber(value: unknown): BroadworksSubscriber {
  const item = withErrors({ ...asObject(value, 'a BroadWorks subscriber') });
  if (typeof item.id !== 'string') throw new ResponseShapeError('BroadWorks subscriber without an id');
  if ('selfActivated' in item) {
    const b = toBoolean(item.selfActivated);
    if (typeof b === 'boolean') item.selfActivated = b;
    else delete item.selfActivated;
  }
  if (typeof item.status !== 'string') item.status = 'unknown';
  return item as BroadworksSubscriber;
}

export function readWholesaleCustomer(value: unknown): WholesaleCustomer {
  const item = withErrors({ ...asObject(value, 'a Wholesale customer') });
  if (typeof item.id !== 'string') throw new ResponseShapeError('Wholesale customer without an id');
  if (typeof item.status !== 'string') item.status = 'unknown';
  return item as WholesaleCustomer;
}

export function readWholesaleSubscriber(value: unknown): WholesaleSubscriber {
  const item = withErrors({ ...asObject(value, 'a Wholesale subscriber') });
  if (typeof item.id !== 'string') throw new ResponseShapeError('Wholesale subscriber without an id');
  if (typeof item.status !== 'string') item.status = 'unknown';
  return item as WholesaleSubscriber;
}

export function readPrecheck(value: unknown): PrecheckResult {
  if (value === undefined || value === null) return {};
  return { ...asObject(value, 'a precheck answer') };
}

/** List answers are `{items: [...]}`; a missing `items` is an empty page. */
export function readItems(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  const body = asObject(value, 'a list answer');
  if (body.items === undefined) return [];
  if (!Array.isArray(body.items)) throw new ResponseShapeError('list answer whose items is not an array');
  return body.items;
}

/** GET /people/me and /people/{id}: only `id` and `orgId` are relied on; `emails` is always a list. */
export function readPerson(value: unknown): WebexPerson {
  const item = { ...asObject(value, 'a person') };
  if (typeof item.id !== 'string' || !item.id) throw new ResponseShapeError('person without an id');
  if (typeof item.orgId !== 'string' || !item.orgId) throw new ResponseShapeError('person without an orgId');
  item.emails = Array.isArray(item.emails) ? item.emails.filter((e): e is string => typeof e === 'string') : [];
  return item as WebexPerson;
}
