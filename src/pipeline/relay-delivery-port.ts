import type { RelayDeliveryPayload, Template } from '../domain';
import type { ErrorCode } from '../errors';

/** What the upstream made of one delivery attempt (the answer's start masked by the port). */
export interface RelayDeliveryAnswer {
  answered: boolean;
  status: number;
  retryAfter?: string | string[];
  /** Why there was no answer: IMPB_ERR_UPSTREAM_UNREACHABLE, _TIMEOUT or _TLS. */
  code?: ErrorCode;
  reason?: string;
  /** The start of the upstream's answer, masked (kept on the job for its views). */
  excerpt?: string;
  durationMs: number;
}

/**
 * What the pipeline needs to send a queued request upstream (`upstream.onFailure: queue`).
 * inbound/relay implements it with the same forwarder relay mode uses; the pipeline only decides
 * what the answer means for the job.
 */
export interface RelayDeliveryPort {
  deliver(template: Template, delivery: RelayDeliveryPayload): Promise<RelayDeliveryAnswer>;
}
