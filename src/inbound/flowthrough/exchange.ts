import type { Request } from 'express';
import type { Config } from '../../config/schema';
import type { Template } from '../../domain';
import type { Logger } from '../../observability';
import type { Store } from '../../store';
import type { AttemptSlot, AuthThrottle } from '../auth/auth-throttle';
import type { Credentials } from '../auth/basic-credentials';
import type { PeerIdentity } from '../auth/peer-identity';
import type { AccountVerifier } from '../auth/verify-account';
import type { InboundMetrics } from '../inbound-metrics';
import type { DialectProvider } from '../dialect/dialect-extensions';
import type { LargeBodyGate } from './large-body-gate';
import type { RelayGateDeps } from './relay-gate-deps';

export interface FlowThroughDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: InboundMetrics;
  throttle: AuthThrottle;
  verifier: AccountVerifier;
  /** The configured dialect extensions, consulted per request (changes apply without restart). */
  dialect?: DialectProvider;
  /** Relay and shadow templates: the upstream pools (and shadow's analysis). */
  relay?: RelayGateDeps;
}

export interface RequestFacts {
  requestId: string;
  templateName: string;
  label: string;
  source: string;
  peer: PeerIdentity;
  /** performance.now() when the request arrived, for the latency histogram. */
  startedAt: number;
}

/** One request on its way through the gates. */
export interface Exchange {
  deps: FlowThroughDeps & { largeBodies: LargeBodyGate };
  req: Request;
  facts: RequestFacts;
  headerCredentials?: Credentials;
}

/** Past the template gate and the throttle. */
export interface Admitted extends Exchange {
  template: Template;
  slot: AttemptSlot;
  /** True once a credential check succeeded (header now, or document credentials later). */
  authenticated: boolean;
}
