import type { Template } from '../../domain';
import type { RelayAnswer, RelayRequest } from '../relay/relay-forwarder';
import type { UpstreamRegistry } from '../relay/upstream-registry';

// Apart from relay-gate.ts so that exchange.ts can name them without an import cycle.

/** What shadow mode does with each relayed exchange besides recording it (dialect check, dry run). */
export type ShadowAnalysis = (input: {
  template: Template;
  requestId: string;
  request: RelayRequest;
  answer: RelayAnswer;
  knownSecrets: Array<string | undefined>;
}) => Promise<void>;

export interface RelayGateDeps {
  upstreams: UpstreamRegistry;
  shadow?: ShadowAnalysis;
}
