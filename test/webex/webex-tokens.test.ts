import { Writable } from 'node:stream';
import winston from 'winston';
import { Agent } from 'undici';
import { configSchema } from '../../src/config';
import { WebexError } from '../../src/errors';
import { createLogger } from '../../src/observability';
import { createSqliteStore, type SqliteStore } from '../../src/store';
import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { createTokenProvider, OAUTH_SETTINGS_KEY } from '../../src/webex/tokens/create-token-provider';
import type { WebexTokenProvider } from '../../src/webex/tokens/token-provider';
import { createWebexClient } from '../../src/webex/webex-client';
import { makeTempDir } from '../helpers/temp-dir';
import { SIM_TOKEN } from './sim-fixtures';

const OAUTH = { clientId: 'C_integration', clientSecret: 'integration-secret-xyz', refreshToken: 'configured-refresh-token-abc' };

describe('Webex tokens: OAuth integration and service app against the simulator', () => {
  let sim: WebexSimulator;
  let agent: Agent;
  let store: SqliteStore;
  let temp: ReturnType<typeof makeTempDir>;
  let clock: number;
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    transports: [new winston.transports.Stream({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) })],
  });

  async function start(simOauth: Partial<NonNullable<Parameters<typeof startWebexSimulator>[0]['oauth']>> = {}) {
    sim = await startWebexSimulator({ token: SIM_TOKEN, provisioningDelayMs: 5, oauth: { ...OAUTH, ...simOauth } });
  }

  function provider(webex: Record<string, unknown>): WebexTokenProvider {
    const config = configSchema.parse({ webex: { baseUrl: sim.baseUrl, ...webex } });
    return createTokenProvider({ webex: config.webex, baseUrl: sim.baseUrl, dispatcher: agent, logger, settings: store.settings, now: () => clock })!;
  }

  function client(tokens: WebexTokenProvider) {
    return createWebexClient({ baseUrl: sim.baseUrl, dispatcher: agent, tokens, logger });
  }

  beforeEach(() => {
    agent = new Agent();
    temp = makeTempDir();
    store = createSqliteStore({ dataDir: temp.dir });
    clock = Date.now();
    lines.length = 0;
  });
  afterEach(async () => {
    await agent.close();
    await sim?.close();
    await store.close();
    temp.cleanup();
  });

  it('gets a token with the refresh token, and refreshes ahead of expiry without a 401', async () => {
    await start({ accessTokenLifetimeSeconds: 3600 });
    const tokens = provider({ oauth: OAUTH });
    const c = client(tokens);
    await c.broadworks.listSubscribers({});
    expect(sim.stats().tokenRefreshes).toBe(1);
    await c.broadworks.listSubscribers({});
    expect(sim.stats().tokenRefreshes).toBe(1);
    clock += 3600_000; // the provider's clock: the token is now at its end of life
    await c.broadworks.listSubscribers({});
    expect(sim.stats().tokenRefreshes).toBe(2);
    expect(sim.stats().unauthorized).toBe(0);
    expect(tokens.status()).toMatchObject({ kind: 'oauth', refreshes: 2 });
  });

  it('refreshes exactly once when 20 concurrent calls find the token expired', async () => {
    await start({ accessTokenLifetimeSeconds: 3600 });
    const tokens = provider({ oauth: OAUTH });
    const c = client(tokens);
    await c.broadworks.listSubscribers({});
    expect(sim.stats().tokenRefreshes).toBe(1);
    clock += 3600_000 + 1; // the provider's clock: past expiry
    const results = await Promise.all(Array.from({ length: 20 }, () => c.broadworks.listSubscribers({})));
    expect(results.every((r) => r.httpStatus === 200)).toBe(true);
    expect(sim.stats().tokenRefreshes).toBe(2);
    expect(sim.stats().unauthorized).toBe(0);
    expect(tokens.status().refreshes).toBe(2);
  });

  it('takes expires_in 0 as a token already at its end, not as one hour', async () => {
    await start({ accessTokenLifetimeSeconds: 0 });
    const tokens = provider({ oauth: OAUTH });
    const first = await tokens.getToken();
    expect(tokens.status().expiresAt).toBeLessThanOrEqual(clock);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(sim.stats().tokenRefreshes).toBe(2);
  });

  it('refreshes exactly once when 20 concurrent calls get 401', async () => {
    await start();
    const c = client(provider({ oauth: OAUTH }));
    await c.broadworks.listSubscribers({});
    expect(sim.stats().tokenRefreshes).toBe(1);
    sim.revokeAccessTokens();
    const results = await Promise.all(Array.from({ length: 20 }, () => c.broadworks.listSubscribers({})));
    expect(results.every((r) => r.httpStatus === 200)).toBe(true);
    expect(sim.stats().tokenRefreshes).toBe(2);
    expect(sim.stats().unauthorized).toBeGreaterThanOrEqual(1);
  });

  it('persists a rotated refresh token in the store, uses it after a restart, and never logs it', async () => {
    await start({ rotateRefreshTokens: true });
    await client(provider({ oauth: OAUTH })).broadworks.listSubscribers({});
    const stored = JSON.parse((await store.settings.get(OAUTH_SETTINGS_KEY))!) as { refreshToken: string };
    expect(stored.refreshToken).not.toBe(OAUTH.refreshToken);
    expect(sim.state.refreshTokens.has(OAUTH.refreshToken)).toBe(false);

    // a new process with the same configuration: the configured token is revoked, the stored one works
    const restarted = provider({ oauth: OAUTH });
    await client(restarted).broadworks.listSubscribers({});
    expect(restarted.status().lastError).toBeUndefined();
    expect(lines.join('\n')).not.toContain(stored.refreshToken);
    expect(lines.join('\n')).not.toContain(OAUTH.refreshToken);
  });

  it('fails permanently, naming the OAuth source, when Webex refuses the token after a successful refresh', async () => {
    await start({ accessTokenLifetimeSeconds: 0 }); // every issued token is already expired for the simulator
    const c = client(provider({ oauth: OAUTH }));
    const err = (await c.broadworks.listSubscribers({}).catch((e: unknown) => e)) as WebexError;
    expect(err).toBeInstanceOf(WebexError);
    expect(err).toMatchObject({ code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', retryable: false, httpStatus: 401 });
    expect(err.message).toContain('webex.oauth');
    expect(sim.stats().tokenRefreshes).toBe(2);
  });

  it('reports a refused refresh token as a permanent error naming the source', async () => {
    await start();
    const c = client(provider({ oauth: { ...OAUTH, refreshToken: 'not-a-valid-refresh-token' } }));
    await expect(c.broadworks.listSubscribers({})).rejects.toMatchObject({
      code: 'IMPB_ERR_WEBEX_UNAUTHORIZED',
      retryable: false,
      message: expect.stringContaining('webex.oauth'),
    });
  });

  it('obtains a service app token with the integration token, then refreshes it on 401', async () => {
    await start();
    const tokens = provider({
      serviceApp: { applicationId: 'APP-1', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, integrationToken: SIM_TOKEN },
    });
    const c = client(tokens);
    await c.broadworks.listSubscribers({});
    expect(sim.stats()).toMatchObject({ serviceAppGrants: 1, tokenRefreshes: 0 });
    expect(sim.requestLog.some((r) => r.path === '/v1/applications/APP-1/token' && r.status === 200)).toBe(true);
    expect(sim.state.serviceAppTokenRequests).toEqual([{ applicationId: 'APP-1', clientId: OAUTH.clientId }]);
    sim.revokeAccessTokens();
    await c.broadworks.listSubscribers({});
    expect(sim.stats()).toMatchObject({ serviceAppGrants: 1, tokenRefreshes: 1 });
    expect(tokens.status().kind).toBe('serviceApp');
  });

  it('asks the service app token for webex.serviceApp.targetOrgId when it is set', async () => {
    await start();
    const targetOrgId = Buffer.from('ciscospark://us/ORGANIZATION/1eb65fdf-9643-417f-9974-ad72cae0e10f').toString('base64');
    const tokens = provider({
      serviceApp: { applicationId: 'APP-2', clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, integrationToken: SIM_TOKEN, targetOrgId },
    });
    await client(tokens).broadworks.listSubscribers({});
    expect(sim.state.serviceAppTokenRequests).toEqual([{ applicationId: 'APP-2', clientId: OAUTH.clientId, targetOrgId }]);
    expect(sim.stats().serviceAppGrants).toBe(1);
    expect(() =>
      configSchema.parse({ webex: { serviceApp: { applicationId: 'A', clientId: 'C', clientSecret: 'S', integrationToken: 'T', targetOrgId: '' } } }),
    ).toThrow(/targetOrgId/);
  });
});
