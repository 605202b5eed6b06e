import type { Dispatcher } from 'undici';
import type { Logger } from '../observability';
import type { WebexCallContext, WebexCallObservation, WebexCallPacer } from '../pipeline/webex-port';
import type { WebexTokenProvider } from './tokens/token-provider';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface WebexHttpDeps {
  baseUrl: string;
  /** Injected: a pooled keep-alive Agent in production (createWebexAgent), anything in tests. */
  dispatcher: Dispatcher;
  tokens: WebexTokenProvider;
  logger: Logger;
  /** Every HTTP exchange, success or failure (call log, metrics). */
  onCall?: (obs: WebexCallObservation) => void;
  /** Per-request overrides of the dispatcher's timeouts. */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Wait suggested on a 429 without a usable Retry-After (default 10 s, floor 1 s). */
  retryAfterDefaultMs?: number;
  /** The shared rate limit, asked before every exchange (none: unpaced, e.g. a client of the simulator CLI). */
  pacer?: WebexCallPacer;
}

export interface WebexHttpRequest {
  operation: string;
  method: HttpMethod;
  url: URL;
  body?: unknown;
  ctx?: WebexCallContext;
}

export interface WebexHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  trackingId: string;
  /** Path relative to the base URL, for facts and logs. */
  path: string;
}
