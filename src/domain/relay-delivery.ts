import { parseRetryAfterMs } from './retry-after';

/** The job kind of a request a queue-mode relay template accepted and the pipeline sends upstream. */
export const RELAY_DELIVERY_KIND = 'relay_delivery';

/**
 * What a relay_delivery job carries. The request's header fields and body bytes are sealed
 * (`sealed`): they may hold the user's IM&P password, which no view, log or support output
 * may show; the rest is plain so the job views can say what waits.
 */
export interface RelayDeliveryPayload {
  requestId: string;
  method: string;
  /** What followed the template's URL ('' or '/a/b'). */
  subPath: string;
  query?: string;
  contentType?: string;
  bodyBytes: number;
  bodySha256: string;
  /** The AS's address, for X-Forwarded-For when the template adds it. */
  remoteAddress?: string;
  /** AES-256-GCM of `{ headers, body }` (inbound/relay/delivery-seal.ts). */
  sealed: string;
}

/** What the latest attempt met, kept on the job for its views. */
export interface RelayDeliveryAttempt {
  /** Epoch ms. */
  at: number;
  /** The upstream's HTTP status; absent when it gave no answer. */
  status?: number;
  /** Why there was no answer (stable code) or what the status means. */
  code?: string;
  /** The start of the upstream's answer, masked. */
  answer?: string;
  durationMs: number;
  /** Set when an earlier attempt may have reached the upstream (a lease taken over after a crash). */
  maybeRepeated?: boolean;
}

/**
 * The lane (the job's userId) a queued request waits in: the user the document names, so one
 * user's requests reach the upstream in the order the AS sent them; a request that names no user
 * (not readable, no userId) gets a lane of its own.
 */
export function relayLane(userId: string | undefined, requestId: string): string {
  const user = userId?.trim();
  return user ? user : `request:${requestId}`;
}

export type DeliveryVerdict =
  | { type: 'delivered' }
  /** No answer, 5xx or 429: the upstream may take it later. `retryAfterMs` only when the upstream said so. */
  | { type: 'retry'; retryAfterMs?: number }
  /** Any other answer (a 4xx, an unexpected 1xx/3xx) is the upstream's verdict on the request: kept, not retried. */
  | { type: 'refused' };

/** The rule of store and forward: 2xx delivered; no answer, 5xx and 429 later; anything else refused. */
export function deliveryVerdict(answer: { answered: boolean; status: number; retryAfter?: string | string[] }, now: number): DeliveryVerdict {
  if (!answer.answered) return { type: 'retry' };
  if (answer.status >= 200 && answer.status < 300) return { type: 'delivered' };
  if (answer.status >= 500 || answer.status === 429) {
    const header = Array.isArray(answer.retryAfter) ? answer.retryAfter[0] : answer.retryAfter;
    return header?.trim() ? { type: 'retry', retryAfterMs: parseRetryAfterMs(header, undefined, now) } : { type: 'retry' };
  }
  return { type: 'refused' };
}
