import type { Router } from 'express';
import type { Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import type { Logger, Registry } from '../observability';
import type { Store } from '../store';
import { createAuthThrottle, type AuthThrottle } from './auth/auth-throttle';
import { createAccountVerifier } from './auth/verify-account';
import { createDemoTemplateIfNone } from './demo-template';
import { createFlowThroughRouter } from './flowthrough-route';
import { createInboundMetrics } from './inbound-metrics';

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
}

export interface InboundDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Registry;
  /** Plain text for the person at the terminal (stderr under `npm start`), beside the structured log; absent in tests. */
  notice?: (text: string) => void;
}

export async function wireInbound({ config, logger, store, metrics, notice }: InboundDeps): Promise<InboundWiring> {
  const authThrottle = createAuthThrottle({ limit: config.provisioning.authFailureLimit, baseDelayMs: config.provisioning.authFailureBaseDelayMs });
  const router = createFlowThroughRouter({
    config,
    logger,
    store,
    metrics: createInboundMetrics(metrics),
    throttle: authThrottle,
    verifier: createAccountVerifier(),
  });
  const demo = await createDemoTemplateIfNone({ config, store, logger });
  return {
    routers: [router],
    close: () => undefined,
    announce(provisioningBaseUrl) {
      if (!demo) return;
      const command = demo.announce(provisioningBaseUrl);
      // Also outside the structured log: a person at the terminal copies one plain line.
      if (command) notice?.(`imp-bridge: first start, no template configured: created the demo template. Send it a first request with:\n${command}`);
    },
    authThrottle,
  };
}
