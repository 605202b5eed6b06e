import { createHash } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { WebexError, type ErrorCode } from '../../errors';
import { registerSecret, type Logger } from '../../observability';
import type { WebexCallObservation } from '../../pipeline/webex-port';
import type { SettingsRepo } from '../../store/port';
import { newTrackingId } from '../tracking-id';
import { createRefreshTokenHolder, type RefreshTokenHolder } from './stored-refresh-token';
import type { TokenStatus, WebexTokenProvider } from './token-provider';

/** Answer of POST /access_token and POST /applications/{id}/token. */
export interface TokenGrant {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
}

export interface RefreshingTokenDeps {
  kind: 'oauth' | 'serviceApp';
  /** Names the configuration to fix, e.g. "webex.oauth (client id, client secret, refresh token)". */
  source: string;
  baseUrl: string;
  dispatcher: Dispatcher;
  clientId: string;
  clientSecret: string;
  /** The configured refresh token (OAuth integration); absent for a service app. */
  configuredRefreshToken?: string;
  /** Obtains a first grant without a refresh token (service app: POST /applications/{id}/token). */
  initialGrant?: () => Promise<TokenGrant>;
  /** Rotated refresh tokens are kept here so that a restart does not fall back to a revoked one. */
  settings?: SettingsRepo;
  settingsKey: string;
  /** Identifies the configuration a stored token came from; a stored token of another configuration is ignored. */
  settingsOrigin: string;
  logger: Logger;
  onCall?: (obs: WebexCallObservation) => void;
  now?: () => number;
  timeoutMs?: number;
}

export function originHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/**
 * OAuth access tokens from a refresh token (integration), or from a service app grant that is
 * then refreshed the same way. Refreshes ahead of expiry and after a 401, single-flight.
 */
export function createRefreshingTokenProvider(deps: RefreshingTokenDeps): WebexTokenProvider {
  const now = deps.now ?? Date.now;
  const held = createRefreshTokenHolder({ ...deps, now });
  let accessToken: string | undefined;
  let expiresAt = 0;
  let lifetimeMs = 0;
  let inflight: Promise<string> | undefined;
  let refreshes = 0;
  let lastError: string | undefined;

  const fresh = () => accessToken !== undefined && now() < expiresAt - Math.min(300_000, lifetimeMs * 0.1);

  function accept(grant: TokenGrant): string {
    registerSecret(grant.access_token);
    accessToken = grant.access_token;
    lifetimeMs = lifetimeSeconds(grant.expires_in) * 1000;
    expiresAt = now() + lifetimeMs;
    return grant.access_token;
  }

  async function doRefresh(): Promise<string> {
    const grant = await obtainGrant(deps, held);
    const token = accept(grant);
    if (grant.refresh_token) await held.accept(grant.refresh_token);
    refreshes += 1;
    lastError = undefined;
    deps.logger.info('Webex access token refreshed', { event: 'webex.token.refreshed', source: deps.source, expiresInSeconds: Math.round(lifetimeMs / 1000) });
    return token;
  }

  function refresh(): Promise<string> {
    inflight ??= doRefresh()
      .catch((err: unknown) => {
        lastError = err instanceof Error ? err.message : String(err);
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    source: deps.source,
    async getToken() {
      if (fresh()) return accessToken!;
      return refresh();
    },
    async onUnauthorized(refused) {
      if (inflight) return inflight;
      if (accessToken !== undefined && accessToken !== refused && fresh()) return accessToken;
      return refresh();
    },
    status(): TokenStatus {
      return { source: deps.source, kind: deps.kind, refreshes, expiresAt: accessToken ? expiresAt : undefined, lastError };
    },
  };
}

/** A grant from the refresh token in use, else from the configured credentials. */
async function obtainGrant(deps: RefreshingTokenDeps, held: RefreshTokenHolder): Promise<TokenGrant> {
  const refreshToken = await held.current();
  let grant: TokenGrant | undefined;
  if (refreshToken) {
    try {
      grant = await refreshWith(deps, refreshToken);
    } catch (err) {
      // A stored token that Webex no longer accepts: the configured credentials may be newer.
      const permanent = err instanceof WebexError && !err.retryable;
      if (!(permanent && (held.fromStore() || deps.initialGrant))) throw err;
      deps.logger.warn('Webex refused the refresh token; starting again from the configured credentials', {
        event: 'webex.token.refresh_refused',
        source: deps.source,
      });
      const configured = held.resetToConfigured();
      if (configured) grant = await refreshWith(deps, configured);
    }
  }
  if (grant) return grant;
  if (!deps.initialGrant) throw new Error('no refresh token');
  return deps.initialGrant();
}

function refreshWith(deps: RefreshingTokenDeps, token: string): Promise<TokenGrant> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: deps.clientId, client_secret: deps.clientSecret, refresh_token: token });
  return postTokenEndpoint(deps, 'token.refresh', '/access_token', { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
}

/** Only a missing or unreadable expires_in means "one hour"; 0 is a token already at its end. */
function lifetimeSeconds(expiresIn: unknown): number {
  const seconds = expiresIn === undefined || expiresIn === null || expiresIn === '' ? NaN : Number(expiresIn);
  return Number.isFinite(seconds) ? Math.max(0, seconds) : 3600;
}

/** POSTs to a token endpoint; every failure is a WebexError naming the token source. */
export async function postTokenEndpoint(
  deps: Pick<RefreshingTokenDeps, 'baseUrl' | 'dispatcher' | 'source' | 'onCall' | 'timeoutMs'>,
  operation: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<TokenGrant> {
  const trackingId = newTrackingId();
  const started = performance.now();
  const facts = {
    operation,
    method: 'POST',
    path,
    trackingId,
    webexErrors: [] as Array<{ errorCode?: number | string; description?: string }>,
    maybeApplied: false,
  } as ConstructorParameters<typeof WebexError>[1];
  const observe = (httpStatus?: number, errorCode?: string, description?: string) =>
    deps.onCall?.({
      operation,
      method: 'POST',
      path,
      httpStatus,
      trackingId: facts.trackingId,
      errorCode,
      description,
      durationMs: Math.round(performance.now() - started),
    });
  let res: Dispatcher.ResponseData;
  try {
    res = await request(deps.baseUrl.replace(/\/+$/, '') + path, {
      dispatcher: deps.dispatcher,
      method: 'POST',
      headers: { accept: 'application/json', trackingid: trackingId, ...headers },
      body,
      headersTimeout: deps.timeoutMs,
      bodyTimeout: deps.timeoutMs,
    });
  } catch (err) {
    observe(undefined, 'IMPB_ERR_WEBEX_TOKEN_REFRESH', (err as Error).message);
    throw new WebexError('IMPB_ERR_WEBEX_TOKEN_REFRESH', facts, {
      cause: err,
      message: `${operation}: no answer from the Webex token endpoint (${(err as Error).message}) — TrackingID ${trackingId}`,
    });
  }
  const text = await res.body.text().catch(() => '');
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  const echoed = headerValue(res.headers.trackingid) ?? (typeof json.trackingId === 'string' ? json.trackingId : undefined);
  if (echoed) facts.trackingId = echoed;
  facts.httpStatus = res.statusCode;
  if (res.statusCode >= 200 && res.statusCode < 300 && typeof json.access_token === 'string' && json.access_token) {
    observe(res.statusCode);
    return json as unknown as TokenGrant;
  }
  facts.webexMessage =
    typeof json.message === 'string'
      ? json.message
      : typeof json.error_description === 'string'
        ? json.error_description
        : typeof json.error === 'string'
          ? json.error
          : undefined;
  if (Array.isArray(json.errors)) facts.webexErrors = json.errors as typeof facts.webexErrors;
  const refused = res.statusCode === 400 || res.statusCode === 401 || res.statusCode === 403;
  const code: ErrorCode = refused ? 'IMPB_ERR_WEBEX_UNAUTHORIZED' : 'IMPB_ERR_WEBEX_TOKEN_REFRESH';
  observe(res.statusCode, code, facts.webexMessage);
  const why = refused
    ? `Webex refused the credentials: check ${deps.source}`
    : `the Webex token endpoint answered ${res.statusCode}${res.statusCode < 300 ? ' without an access token' : ''}`;
  throw new WebexError(code, facts, {
    retryable: !refused,
    message: `${operation}: ${why}${facts.webexMessage ? ` (${facts.webexMessage})` : ''} — TrackingID ${facts.trackingId}`,
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
