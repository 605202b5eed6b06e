import { registerSecret, type Logger } from '../../observability';
import type { SettingsRepo } from '../../store/port';

interface StoredRefreshToken {
  refreshToken: string;
  origin: string;
  storedAt: string;
}

/**
 * The refresh token in use: the configured one, or the one rotated last, which is kept in the
 * store so that a restart does not fall back to a token Webex has revoked since.
 */
export interface RefreshTokenHolder {
  /** Loaded once: the stored token of this configuration, else the configured one. */
  current(): Promise<string | undefined>;
  /** Whether the token in use came from the store (or from a rotation) rather than the configuration. */
  fromStore(): boolean;
  /** Webex refused the token in use: back to the configured one. */
  resetToConfigured(): string | undefined;
  /** The refresh token of a new grant: kept, and persisted when it rotated. */
  accept(token: string): Promise<void>;
}

interface HolderDeps {
  configuredRefreshToken?: string;
  settings?: SettingsRepo;
  settingsKey: string;
  /** Identifies the configuration a stored token came from; a stored token of another configuration is ignored. */
  settingsOrigin: string;
  logger: Logger;
  now: () => number;
}

export function createRefreshTokenHolder(deps: HolderDeps): RefreshTokenHolder {
  let refreshToken: string | undefined;
  let fromStore = false;
  let loaded = false;

  async function load(): Promise<void> {
    refreshToken = deps.configuredRefreshToken;
    if (!deps.settings) return;
    try {
      const raw = await deps.settings.get(deps.settingsKey);
      if (!raw) return;
      const stored = JSON.parse(raw) as StoredRefreshToken;
      if (stored.origin === deps.settingsOrigin && stored.refreshToken) {
        registerSecret(stored.refreshToken);
        refreshToken = stored.refreshToken;
        fromStore = true;
      }
    } catch (err) {
      deps.logger.warn('stored Webex refresh token unreadable; using the configured credentials', { event: 'webex.token.store_unreadable', err });
    }
  }

  async function persist(token: string): Promise<void> {
    if (!deps.settings) return;
    const value: StoredRefreshToken = { refreshToken: token, origin: deps.settingsOrigin, storedAt: new Date(deps.now()).toISOString() };
    try {
      await deps.settings.set(deps.settingsKey, JSON.stringify(value));
    } catch (err) {
      deps.logger.error('could not persist the rotated Webex refresh token', { event: 'webex.token.persist_failed', err });
    }
  }

  return {
    async current() {
      if (!loaded) {
        loaded = true;
        await load();
      }
      return refreshToken;
    },
    fromStore: () => fromStore,
    resetToConfigured() {
      fromStore = false;
      refreshToken = deps.configuredRefreshToken;
      return refreshToken;
    },
    async accept(token) {
      registerSecret(token);
      if (token === refreshToken) return;
      refreshToken = token;
      fromStore = true;
      await persist(token);
    },
  };
}
