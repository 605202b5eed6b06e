import type { Router } from 'express';
import type { Closer, Runtime } from '../runtime';
import { createAuthThrottle, type AuthThrottle } from './auth/auth-throttle';
import { createAccountVerifier } from './auth/verify-account';
import { createDemoTemplateIfNone } from './demo-template';
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
}

export async function wireInbound(rt: Runtime): Promise<InboundWiring> {
  const authThrottle = createAuthThrottle({ limit: rt.config.provisioning.authFailureLimit, baseDelayMs: rt.config.provisioning.authFailureBaseDelayMs });
  const router = createFlowThroughRouter({
    config: rt.config,
    logger: rt.logger,
    store: rt.store,
    metrics: createInboundMetrics(rt.metrics),
    throttle: authThrottle,
    verifier: createAccountVerifier(),
  });
  const demo = await createDemoTemplateIfNone(rt);
  return {
    routers: [router],
    close: () => undefined,
    announce() {
      if (!demo || !rt.provisioningBaseUrl) return;
      const command = demo.announce(rt.provisioningBaseUrl);
      // Also outside the structured log: a person at the terminal copies one plain line.
      if (command) rt.notice?.(`imp-bridge: first start, no template configured: created the demo template. Send it a first request with:\n${command}`);
    },
    authThrottle,
  };
}
