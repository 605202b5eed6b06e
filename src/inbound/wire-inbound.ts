import type { Router } from 'express';
import type { Closer, Runtime } from '../runtime';
import { createAuthThrottle, type AuthThrottle } from './auth/auth-throttle';
import { createAccountVerifier } from './auth/verify-account';
import { registerSecret } from '../observability';
import { createDemoTemplateIfNone } from './demo-template';
import { createDialectProvider, type DialectProvider } from './dialect/dialect-extensions';
import { watchDialectSection } from './dialect/dialect-file-watch';
import { createDialectCoverageService, type DialectCoverageService } from './relay/dialect-coverage-service';
import { createShadowAnalysis } from './relay/shadow-analysis';
import { createUnknownRequestReplay, type UnknownRequestReplay } from './replay-unknown-requests';
import { createShadowEventDeriver } from './relay/shadow-events';
import { createDryRunPlanner } from '../pipeline/dry-run-plan';
import { pipelineSettings } from '../pipeline/wire-pipeline';
import { createUpstreamRegistry } from './relay/upstream-registry';
import { createFlowThroughRouter } from './flowthrough-route';
import { createInboundMetrics } from './inbound-metrics';

export interface InboundWiring {
  routers: Router[];
  close: Closer;
  /**
   * Call once the provisioning listener is up (`rt.provisioningBaseUrl` set): rewrites the demo
   * credentials file with the real URL and prints the ready-to-paste `imp-bridge send` command.
   * A no-op when templates exist.
   */
  announce(): void;
  /** The per-source authentication brake (tests reset it between scenarios). */
  authThrottle: AuthThrottle;
  /** The dialect extensions in force (the config's `dialect` section, re-read while running). */
  dialect: DialectProvider;
  /** `unknown-requests replay`: stored unknown requests through the pipeline again, with today's dialect. */
  replay: UnknownRequestReplay;
  /** The coverage report computed from what shadow mode recorded per request (store.shadowRecords). */
  coverage: DialectCoverageService;
}

export async function wireInbound(rt: Runtime): Promise<InboundWiring> {
  const authThrottle = createAuthThrottle({ limit: rt.config.provisioning.authFailureLimit, baseDelayMs: rt.config.provisioning.authFailureBaseDelayMs });
  const dialect = createDialectProvider(rt.config.dialect);
  const upstreams = createUpstreamRegistry();
  // Known before the first relayed request, so no log line can carry one.
  for (const t of await rt.store.templates.list()) registerSecret(t.upstream?.password);
  const shadow = createShadowAnalysis({
    dialect,
    records: rt.store.shadowRecords,
    logger: rt.logger,
    deriveEvents: createShadowEventDeriver({ config: rt.config, logger: rt.logger, store: rt.store }),
    // The pipeline's own job code, against a Webex that only writes the calls down.
    planCalls: createDryRunPlanner({ store: rt.store, settings: pipelineSettings(rt) }),
  });
  const watch = rt.configFile ? watchDialectSection(rt.configFile, dialect, { logger: rt.logger }) : undefined;
  const router = createFlowThroughRouter({
    config: rt.config,
    logger: rt.logger,
    store: rt.store,
    metrics: createInboundMetrics(rt.metrics),
    throttle: authThrottle,
    verifier: createAccountVerifier(),
    dialect,
    relay: { upstreams, shadow },
  });
  const demo = await createDemoTemplateIfNone(rt);
  return {
    routers: [router],
    close: async () => {
      watch?.close();
      await upstreams.closeAll();
    },
    announce() {
      if (!demo || !rt.provisioningBaseUrl) return;
      const command = demo.announce(rt.provisioningBaseUrl);
      // Also outside the structured log: a person at the terminal copies one plain line.
      if (command) rt.notice?.(`imp-bridge: first start, no template configured: created the demo template. Send it a first request with:\n${command}`);
    },
    authThrottle,
    dialect,
    coverage: createDialectCoverageService({ records: rt.store.shadowRecords }),
    replay: createUnknownRequestReplay({ config: rt.config, logger: rt.logger, store: rt.store, dialect }),
  };
}
