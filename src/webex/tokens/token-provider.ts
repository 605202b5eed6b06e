/**
 * Where the client gets its bearer token. The client asks for a token before each call and
 * reports a 401 through `onUnauthorized`; providers that can refresh do so once for all
 * concurrent callers (single-flight).
 */
export interface WebexTokenProvider {
  /** The configuration an operator fixes when Webex refuses the token, e.g. "webex.token (IMP_BRIDGE_WEBEX_TOKEN)". */
  readonly source: string;
  getToken(): Promise<string>;
  /**
   * Called after Webex answered 401 to `refused`. Resolves with a different, fresh token (one
   * refresh shared by every caller that saw the same refused token), or undefined when this
   * source cannot produce another one (static token).
   */
  onUnauthorized(refused: string): Promise<string | undefined>;
  status(): TokenStatus;
}

export interface TokenStatus {
  source: string;
  kind: 'static' | 'oauth' | 'serviceApp';
  refreshes: number;
  /** Epoch ms when the current access token expires, when known. */
  expiresAt?: number;
  /** The last refresh failure (secret-free), cleared by the next success. */
  lastError?: string;
}

export const STATIC_TOKEN_SOURCE = 'webex.token (IMP_BRIDGE_WEBEX_TOKEN)';

export function createStaticTokenProvider(token: string, source = STATIC_TOKEN_SOURCE): WebexTokenProvider {
  return {
    source,
    getToken: () => Promise.resolve(token),
    onUnauthorized: () => Promise.resolve(undefined),
    status: () => ({ source, kind: 'static', refreshes: 0 }),
  };
}
