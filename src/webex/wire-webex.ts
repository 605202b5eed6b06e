import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { ReadinessCheck } from '../lifecycle/readiness';
import { registerSecret, type Logger, type Registry } from '../observability';
import { createRateLimiter, type RateLimiter } from './pacing/rate-limiter';
import type { WebexCallObservation } from '../pipeline/webex-port';
import type { Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import type { Store } from '../store';
import { createWebexCallMetrics } from './call-metrics';
import { createWebexAgent } from './create-webex-agent';
import { createWebexCredentialsProbe, type CredentialsProbe } from './credentials-probe';
import { createPartnerOrgSource } from './partner-org';
import { startWebexSimulator, type WebexSimulator } from './simulator';
import { createTokenProvider } from './tokens/create-token-provider';
import { createStaticTokenProvider, type TokenStatus, type WebexTokenProvider } from './tokens/token-provider';
import { createWebexClient, DEFAULT_WEBEX_BASE_URL, type WebexClient } from './webex-client';

/** How long start-up waits for a real Webex to answer the first credentials check. */
const FIRST_CHECK_WAIT_MS = 2_000;

export interface WebexWiring {
  /** Base URL of the Webex API in use (the built-in simulator's when no credentials are set). */
  baseUrl: string | undefined;
  simulated: boolean;
  readiness: ReadinessCheck[];
  close: Closer;
  client: WebexClient;
  /** The in-process simulator, when no Webex credentials are configured. */
  simulator?: WebexSimulator;
  /** The pooled keep-alive Agent every Webex call goes through. */
  dispatcher: Dispatcher;
  /** The one rate limit every Webex exchange of the process is paced by (pipeline.ratePerSecond). */
  limiter: RateLimiter;
  /**
   * Checks the credentials at start and periodically (GET /people/me through the shared limiter);
   * `/readyz` is not ready while Webex refuses them. `credentials.onRecovered(fn)` is where the
   * pipeline resumes the jobs that waited for valid credentials; `credentials.status()` is the
   * last verdict (doctor).
   */
  credentials: CredentialsProbe;
  /** Token source and refresh state, for support data (secret-free). */
  tokenStatus(): TokenStatus;
  /**
   * The partner org (Webex base64 id of ciscospark://…/ORGANIZATION/<uuid>): the org of the
   * identity behind the access token, from GET /people/me. Cached after the first answer and
   * persisted in the store setting webex.partnerOrgId; undefined while Webex cannot say.
   * A plain function (no `this`), safe to pass around.
   */
  partnerOrgId(): Promise<string | undefined>;
}

/**
 * Webex side of the composition root. With credentials (webex.token, webex.oauth or
 * webex.serviceApp) the client calls webex.baseUrl (default https://webexapis.com/v1); without,
 * the built-in simulator starts on loopback and the proxy provisions against it.
 */
export interface WebexDeps {
  config: Config;
  logger: Logger;
  metrics: Registry;
  store: Store;
  /** The shared pacer of several instances (PostgreSQL's token bucket); by default the in-process limiter. */
  pacer?: RateLimiter;
}

export async function wireWebex(deps: WebexDeps): Promise<WebexWiring> {
  const { config, logger, store } = deps;
  const { webex } = config;
  const dispatcher = createWebexAgent(webex);
  const metrics = createWebexCallMetrics(deps.metrics);
  // Filled once the client exists; calls made before (none at start) are not observed.
  const probe: { current?: CredentialsProbe } = {};
  const onCall = (obs: WebexCallObservation) => {
    metrics.observe(obs);
    probe.current?.observe(obs);
    store.webexCalls.record(obs).catch((err: unknown) => {
      if (store.isOpen()) logger.warn('could not record a Webex call', { event: 'webex.call.record_failed', err });
    });
  };

  const { baseUrl, tokens, simulator } = await chooseWebexTarget(deps, dispatcher, onCall);

  const limiter = deps.pacer ?? createRateLimiter({ maxPerSecond: config.pipeline.ratePerSecond });
  const client = createWebexClient({
    baseUrl,
    dispatcher,
    pacer: limiter,
    tokens,
    logger,
    onCall,
    headersTimeoutMs: webex.headersTimeoutMs || undefined,
    bodyTimeoutMs: webex.bodyTimeoutMs || undefined,
  });
  const credentials = createWebexCredentialsProbe({
    check: () => client.people.me(),
    source: tokens.source,
    logger,
    metrics: deps.metrics,
    intervalMs: webex.credentialsCheckIntervalMs,
    failingIntervalMs: webex.credentialsRetryIntervalMs,
  });
  probe.current = credentials;
  const partnerOrg = createPartnerOrgSource({
    client,
    settings: store.settings,
    storeOpen: () => store.isOpen(),
    logger,
    onAnswer: (answer) => credentials.record(answer),
  });
  // Asked at start so the store knows it before anyone needs support data; its answer is also
  // the credentials probe's first check (one GET /people/me, not two).
  const asked = partnerOrg.get();
  await awaitFirstCheck(credentials.start(asked), simulator !== undefined);

  return {
    baseUrl,
    simulated: simulator !== undefined,
    client,
    simulator,
    dispatcher,
    limiter,
    credentials,
    tokenStatus: () => tokens.status(),
    partnerOrgId: () => partnerOrg.get(),
    readiness: [
      {
        name: 'webex',
        check: () => {
          const status = tokens.status();
          if (status.lastError && status.expiresAt === undefined) return `Webex token unavailable (${status.source}): ${status.lastError}`;
          return credentials.readiness.check();
        },
      },
    ],
    async close() {
      // No new check from here on; one in flight ends with the dispatcher like any other call.
      const probeClosed = credentials.close();
      await simulator?.close();
      await dispatcher.close().catch(() => undefined);
      await probeClosed;
      await asked;
    },
  };
}

interface WebexTarget {
  baseUrl: string;
  tokens: WebexTokenProvider;
  simulator?: WebexSimulator;
}

/** Webex itself when credentials are configured; else the built-in simulator, loudly. */
async function chooseWebexTarget(
  { config, logger, store }: WebexDeps,
  dispatcher: Dispatcher,
  onCall: (obs: WebexCallObservation) => void,
): Promise<WebexTarget> {
  const { webex } = config;
  const tokens = createTokenProvider({ webex, baseUrl: webex.baseUrl ?? DEFAULT_WEBEX_BASE_URL, dispatcher, logger, settings: store.settings, onCall });
  if (tokens) {
    const baseUrl = webex.baseUrl ?? DEFAULT_WEBEX_BASE_URL;
    logger.info('Webex provisioning target', { event: 'webex.target', baseUrl, tokenSource: tokens.source });
    return { baseUrl, tokens };
  }
  // No base URL here: the config schema refuses one without credentials (see webex.baseUrl).
  const token = randomBytes(24).toString('base64url');
  registerSecret(token);
  // The simulator stands in for Partner Hub too: a template that does not trust emails is an
  // untrusted provisioningId there (templates as stored at start).
  const untrustedEmailProvisioningIds = (await store.templates.list())
    .filter((t) => t.targetApi === 'broadworks' && !t.trustedEmail)
    .map((t) => t.provisioningId);
  const simulator = await startWebexSimulator({
    host: '127.0.0.1',
    port: 0,
    token,
    provisioningDelayMs: webex.simulatorProvisioningDelayMs,
    untrustedEmailProvisioningIds,
    logger,
  });
  const baseUrl = simulator.baseUrl;
  logger.warn(
    `NO WEBEX CREDENTIALS CONFIGURED: provisioning goes to the BUILT-IN WEBEX SIMULATOR at ${baseUrl}, NOT to Webex. Set IMP_BRIDGE_WEBEX_TOKEN (and IMP_BRIDGE_WEBEX_BASE_URL), webex.oauth or webex.serviceApp to provision real subscribers.`,
    { event: 'webex.simulated', baseUrl },
  );
  return { baseUrl, tokens: createStaticTokenProvider(token, 'the built-in simulator token'), simulator };
}

/**
 * Against the built-in simulator the first answer is immediate and awaited (no call left in
 * flight once started); a real Webex is waited for only briefly, so a slow Webex delays neither
 * start nor readiness long.
 */
async function awaitFirstCheck(firstCheck: Promise<void>, simulated: boolean): Promise<void> {
  if (simulated) return firstCheck;
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([firstCheck, new Promise((resolve) => (waited = setTimeout(resolve, FIRST_CHECK_WAIT_MS)))]);
  clearTimeout(waited);
}
