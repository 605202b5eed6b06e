import type { Template } from '../../domain';
import type { RelayAnswer, RelayRequest } from '../relay/relay-forwarder';
import type { UpstreamRegistry } from '../relay/upstream-registry';
import type { DeliverySeal } from '../relay/delivery-seal';

// Apart from relay-gate.ts so that exchange.ts can name them without an import cycle.

/** What shadow mode does with each relayed exchange besides recording it (dialect check, dry run). */
export type ShadowAnalysis = (input: {
  template: Template;
  requestId: string;
  request: RelayRequest;
  answer: RelayAnswer;
  knownSecrets: Array<string | undefined>;
}) => Promise<void>;

/** `upstream.onFailure: queue`: how a queued request is sealed, and who to wake once it is stored. */
export interface QueueDeps {
  seal: DeliverySeal;
  /** The pipeline worker (otherwise it finds the job at its next idle poll). */
  wake?: () => void;
}

export interface RelayGateDeps {
  upstreams: UpstreamRegistry;
  shadow?: ShadowAnalysis;
  /** Absent (a wiring without the pipeline): a queue-mode template answers 5001, so the AS keeps its requests. */
  queue?: QueueDeps;
}
