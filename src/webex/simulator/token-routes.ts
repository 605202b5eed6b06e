import { randomBytes } from 'node:crypto';
import type { SimContext, SimRequest } from './sim-context';
import { SimHttpError, type SimResponse } from './sim-support';
import type { Json } from './simulator-types';

const REFRESH_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600;

function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function issue(ctx: SimContext, refreshToken: string): Json {
  const lifetime = ctx.oauth?.accessTokenLifetimeSeconds ?? 3600;
  const accessToken = newToken('SIMAT');
  ctx.state.accessTokens.set(accessToken, Date.now() + lifetime * 1000);
  return { access_token: accessToken, expires_in: lifetime, refresh_token: refreshToken, refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_SECONDS };
}

function formOrJson(req: SimRequest): Record<string, string> {
  if (req.contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(req.rawBody));
  if (typeof req.body === 'object' && req.body !== null) return req.body as Record<string, string>;
  return {};
}

/** POST /access_token (refresh_token grant) and POST /applications/{id}/token (service app). */
export function handleTokens(ctx: SimContext, req: SimRequest): SimResponse | undefined {
  const isRefresh = req.path === '/access_token';
  const isServiceApp = req.segments[0] === 'applications' && req.segments[2] === 'token' && req.segments.length === 3;
  if (!isRefresh && !isServiceApp) return undefined;
  if (req.method !== 'POST') throw new SimHttpError(405, 'Method not allowed');
  const oauth = ctx.oauth;
  if (!oauth) throw new SimHttpError(400, 'invalid_client: the simulator was started without OAuth client credentials');
  const params = formOrJson(req);

  if (isRefresh) {
    if (params.grant_type !== 'refresh_token') throw new SimHttpError(400, 'unsupported_grant_type');
    if (params.client_id !== oauth.clientId || params.client_secret !== oauth.clientSecret) throw new SimHttpError(401, 'invalid_client');
    if (!params.refresh_token || !ctx.state.refreshTokens.has(params.refresh_token))
      throw new SimHttpError(400, 'invalid_grant: refresh token unknown or revoked');
    let refreshToken = params.refresh_token;
    if (oauth.rotateRefreshTokens) {
      ctx.state.refreshTokens.delete(refreshToken);
      refreshToken = newToken('SIMRT');
      ctx.state.refreshTokens.add(refreshToken);
    }
    ctx.counters.tokenRefreshes += 1;
    return { status: 200, body: issue(ctx, refreshToken) };
  }

  if (!ctx.isValidToken(req.bearer)) throw new SimHttpError(401, 'The request requires a valid access token set in the Authorization request header.');
  if (params.clientId !== oauth.clientId || params.clientSecret !== oauth.clientSecret)
    throw new SimHttpError(400, 'invalid_client: clientId or clientSecret does not match the service app');
  const targetOrgId: unknown = params.targetOrgId;
  if (targetOrgId !== undefined && (typeof targetOrgId !== 'string' || !targetOrgId.trim()))
    throw new SimHttpError(400, 'Invalid request: targetOrgId must be a non-empty string', 1001, 'targetOrgId must be a non-empty string');
  ctx.state.serviceAppTokenRequests.push({
    applicationId: decodeURIComponent(req.segments[1]),
    clientId: params.clientId,
    ...(targetOrgId === undefined ? {} : { targetOrgId }),
  });
  const refreshToken = newToken('SIMRT');
  ctx.state.refreshTokens.add(refreshToken);
  ctx.counters.serviceAppGrants += 1;
  return { status: 200, body: issue(ctx, refreshToken) };
}
