import type { Dispatcher } from 'undici';
import type { Config } from '../../config/schema';
import type { Logger } from '../../observability';
import type { WebexCallObservation } from '../../pipeline/webex-port';
import type { SettingsRepo } from '../../store/port';
import { createRefreshingTokenProvider, originHash, postTokenEndpoint } from './refreshing-token-provider';
import { createStaticTokenProvider, type WebexTokenProvider } from './token-provider';

export const OAUTH_SETTINGS_KEY = 'webex.oauth.refreshToken';
export const SERVICE_APP_SETTINGS_KEY = 'webex.serviceApp.refreshToken';
export const OAUTH_SOURCE = 'webex.oauth (clientId, clientSecret, refreshToken of the OAuth integration)';
export const SERVICE_APP_SOURCE = 'webex.serviceApp (applicationId, clientId, clientSecret, integrationToken; targetOrgId when set)';

export interface TokenProviderDeps {
  webex: Config['webex'];
  baseUrl: string;
  dispatcher: Dispatcher;
  logger: Logger;
  settings?: SettingsRepo;
  onCall?: (obs: WebexCallObservation) => void;
  now?: () => number;
}

/** The configured token source: static token, else OAuth integration, else service app. */
export function createTokenProvider(deps: TokenProviderDeps): WebexTokenProvider | undefined {
  const { webex } = deps;
  const configured = [webex.token && 'webex.token', webex.oauth && 'webex.oauth', webex.serviceApp && 'webex.serviceApp'].filter(Boolean);
  if (configured.length > 1) {
    deps.logger.warn(`several Webex token sources are configured (${configured.join(', ')}); using ${configured[0]}`, {
      event: 'webex.token.ambiguous',
      sources: configured,
    });
  }
  const timeoutMs = webex.headersTimeoutMs || undefined;
  if (webex.token) return createStaticTokenProvider(webex.token);
  if (webex.oauth) {
    const { clientId, clientSecret, refreshToken } = webex.oauth;
    return createRefreshingTokenProvider({
      kind: 'oauth',
      source: OAUTH_SOURCE,
      baseUrl: deps.baseUrl,
      dispatcher: deps.dispatcher,
      clientId,
      clientSecret,
      configuredRefreshToken: refreshToken,
      settings: deps.settings,
      settingsKey: OAUTH_SETTINGS_KEY,
      settingsOrigin: originHash(clientId, refreshToken),
      logger: deps.logger,
      onCall: deps.onCall,
      now: deps.now,
      timeoutMs,
    });
  }
  if (webex.serviceApp) {
    const { applicationId, clientId, clientSecret, integrationToken, targetOrgId } = webex.serviceApp;
    return createRefreshingTokenProvider({
      kind: 'serviceApp',
      source: SERVICE_APP_SOURCE,
      baseUrl: deps.baseUrl,
      dispatcher: deps.dispatcher,
      clientId,
      clientSecret,
      initialGrant: () =>
        postTokenEndpoint(
          { baseUrl: deps.baseUrl, dispatcher: deps.dispatcher, source: SERVICE_APP_SOURCE, onCall: deps.onCall, timeoutMs },
          'token.serviceApp',
          `/applications/${encodeURIComponent(applicationId)}/token`,
          { authorization: `Bearer ${integrationToken}`, 'content-type': 'application/json' },
          JSON.stringify({ clientId, clientSecret, ...(targetOrgId ? { targetOrgId } : {}) }),
        ),
      settings: deps.settings,
      settingsKey: SERVICE_APP_SETTINGS_KEY,
      // A token of another target org is another grant: a stored one of the old target is not reused.
      settingsOrigin: targetOrgId ? originHash(applicationId, clientId, targetOrgId) : originHash(applicationId, clientId),
      logger: deps.logger,
      onCall: deps.onCall,
      now: deps.now,
      timeoutMs,
    });
  }
  return undefined;
}
