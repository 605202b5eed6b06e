import type { Router } from 'express';
import type { Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import { registerSecret, type Logger, type Registry } from '../observability';
import type { Store } from '../store';
import { createAuthThrottle, type AuthThrottle } from './auth/auth-throttle';
import { createAccountVerifier } from './auth/verify-account';
import { createDemoTemplateIfNone } from './demo-template';
import { createDialectProvider, type DialectProvider } from './dialect/dialect-extensions';
import { watchDialectSection } from './dialect/dialect-file-watch';
import { createFlowThroughRouter } from './flowthrough-route';
import type { QueueDeps } from './flowthrough/relay-gate-deps';
import { createInboundMetrics } from './inbound-metrics';
import { createDialectCoverageService, type DialectCoverageService } from './relay/dialect-coverage-service';
import { createShadowAnalysis, type ShadowCallPlanner } from './relay/shadow-analysis';
import { createShadowEventDeriver } from './relay/shadow-events';
import { createUpstreamRegistry } from './relay/upstream-registry';
import { createUnknownRequestReplay, type UnknownRequestReplay } from './replay-unknown-requests';

export interface InboundWiring {
  routers: Router[];
  close: Closer;
  /**
   * Call once the provisioning listener is up, with its base URL: rewrites the demo credentials
   * file with the real URL and prints the ready-to-paste `imp-bridge send` command.
   * A no-op when templates exist.
   */
  announce(provisioningBaseUrl: string): void;
  /** The per-source authentication brake (tests reset it between scenarios). */
  authThrottle: AuthThrottle;
  /** The dialect extensions in force (the config's `dialect` section, re-read while running). */
  dialect: DialectProvider;
  /** `unknown-requests replay`: stored unknown requests through the pipeline again, with today's dialect. */
  replay: UnknownRequestReplay;
  /** The coverage report computed from what shadow mode recorded per request (store.shadowRecords). */
  coverage: DialectCoverageService;
}

export interface InboundDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Registry;
  /** The config file in use, whose `dialect` section is re-read while running (absent in tests). */
  configFile?: string;
  /** Plain text for the person at the terminal (stderr under `npm start`), beside the structured log; absent in tests. */
  notice?: (text: string) => void;
  /**
   * The Webex calls provision mode would make, for shadow mode's record: the pipeline's dry-run
   * planner, built by the composition root (inbound does not import pipeline).
   */
  planCalls: ShadowCallPlanner;
  /** `upstream.onFailure: queue`: the seal of queued requests and the pipeline's wake-up (main.ts builds it with wireRelayQueue). */
  queue?: QueueDeps;
}

export async function wireInbound({ config, logger, store, metrics, configFile, notice, planCalls, queue }: InboundDeps): Promise<InboundWiring> {
  const authThrottle = createAuthThrottle({ limit: config.provisioning.authFailureLimit, baseDelayMs: config.provisioning.authFailureBaseDelayMs });
  const dialect = createDialectProvider(config.dialect);
  const upstreams = createUpstreamRegistry();
  // Known before the first relayed request, so no log line can carry one.
  for (const t of await store.templates.list()) registerSecret(t.upstream?.password);
  const shadow = createShadowAnalysis({
    dialect,
    records: store.shadowRecords,
    logger,
    deriveEvents: createShadowEventDeriver({ config, logger, store }),
    planCalls,
  });
  const watch = configFile ? watchDialectSection(configFile, dialect, { logger }) : undefined;
  const router = createFlowThroughRouter({
    config,
    logger,
    store,
    metrics: createInboundMetrics(metrics),
    throttle: authThrottle,
    verifier: createAccountVerifier(),
    dialect,
    relay: { upstreams, shadow, queue },
  });
  const demo = await createDemoTemplateIfNone({ config, store, logger });
  return {
    routers: [router],
    close: async () => {
      watch?.close();
      await upstreams.closeAll();
    },
    announce(provisioningBaseUrl) {
      if (!demo) return;
      const command = demo.announce(provisioningBaseUrl);
      // Also outside the structured log: a person at the terminal copies one plain line.
      if (command) notice?.(`imp-bridge: first start, no template configured: created the demo template. Send it a first request with:\n${command}`);
    },
    authThrottle,
    dialect,
    coverage: createDialectCoverageService({ records: store.shadowRecords }),
    replay: createUnknownRequestReplay({ config, logger, store, dialect }),
  };
}
