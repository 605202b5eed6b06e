import type { ErrorCode } from '../errors';

export interface StatusClass {
  code: ErrorCode;
  retryable: boolean;
  /** Whether Retry-After is read for this status. */
  readsRetryAfter: boolean;
}

/**
 * HTTP status → stable code. Retryable: 423 (resource locked by an operation in progress),
 * 429, and server-side trouble (500, 502, 503, 504). Everything else is permanent: trying the
 * same request again cannot succeed.
 */
export function classifyStatus(status: number): StatusClass {
  switch (status) {
    case 401:
      return { code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', retryable: false, readsRetryAfter: false };
    case 403:
      return { code: 'IMPB_ERR_WEBEX_FORBIDDEN', retryable: false, readsRetryAfter: false };
    case 404:
    case 410:
      return { code: 'IMPB_ERR_WEBEX_NOT_FOUND', retryable: false, readsRetryAfter: false };
    case 409:
      return { code: 'IMPB_ERR_WEBEX_CONFLICT', retryable: false, readsRetryAfter: false };
    case 423:
      return { code: 'IMPB_ERR_WEBEX_UNAVAILABLE', retryable: true, readsRetryAfter: true };
    case 429:
      return { code: 'IMPB_ERR_WEBEX_RATE_LIMITED', retryable: true, readsRetryAfter: true };
    case 500:
    case 502:
    case 503:
    case 504:
      return { code: 'IMPB_ERR_WEBEX_UNAVAILABLE', retryable: true, readsRetryAfter: true };
    default:
      return { code: 'IMPB_ERR_WEBEX_REJECTED', retryable: false, readsRetryAfter: false };
  }
}

/**
 * 500/502/504 after a request with effects: the gateway may have passed the request on before
 * failing, so a create is looked up before it is sent again.
 */
export function statusMayHaveApplied(status: number, method: string): boolean {
  return method !== 'GET' && (status === 500 || status === 502 || status === 504);
}

export interface TransportClass {
  code: ErrorCode;
  /** True when the request may have reached Webex (anything after the connection was made). */
  afterConnect: boolean;
  reason: string;
}

const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** undici / socket errors → stable code. */
export function classifyTransportError(err: unknown): TransportClass {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  const reason = `${code || e?.name || 'error'}: ${e?.message ?? String(err)}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { code: 'IMPB_ERR_WEBEX_TIMEOUT', afterConnect: false, reason };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return { code: 'IMPB_ERR_WEBEX_TIMEOUT', afterConnect: true, reason };
  }
  if (CONNECT_FAILURES.has(code)) return { code: 'IMPB_ERR_WEBEX_CONNECTION', afterConnect: false, reason };
  return { code: 'IMPB_ERR_WEBEX_CONNECTION', afterConnect: true, reason };
}

/** A reset on a reused keep-alive socket: safe to retry a GET once. */
export function isConnectionReset(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}
