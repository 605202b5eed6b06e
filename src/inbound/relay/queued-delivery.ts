import type { RelayDeliveryPayload, Template } from '../../domain';
import type { ErrorCode } from '../../errors';
import type { Logger } from '../../observability';
import type { Store } from '../../store';
import { storableText } from '../flowthrough/relay-gate';
import { loadDeliverySeal, type DeliverySeal } from './delivery-seal';
import { createUpstreamRegistry, type UpstreamRegistry } from './upstream-registry';

/** The most of an upstream's answer a job keeps (masked). */
const EXCERPT_CHARS = 500;

const reasonOf = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

/** Shaped like the pipeline's RelayDeliveryPort (inbound does not import the pipeline; main.ts hands one to the other). */
export interface QueuedDelivery {
  deliver(
    template: Template,
    delivery: RelayDeliveryPayload,
  ): Promise<{ answered: boolean; status: number; retryAfter?: string | string[]; code?: ErrorCode; reason?: string; excerpt?: string; durationMs: number }>;
}

export interface RelayQueueWiring {
  seal: DeliverySeal;
  delivery: QueuedDelivery;
  close(): Promise<void>;
}

/**
 * Sends a queued request the way relay mode forwards a live one (same forwarder, its own
 * keep-alive pool per template upstream, so deliveries never wait behind live traffic): the
 * header fields and body bytes as the AS sent them, opened from the job's seal.
 */
export function createQueuedDelivery(deps: { seal: DeliverySeal; upstreams: UpstreamRegistry }): QueuedDelivery {
  return {
    async deliver(template, delivery) {
      const upstream = template.upstream!;
      const { headers, body } = deps.seal.open(delivery.requestId, delivery.sealed);
      const answer = await deps.upstreams.forwarder(template.name, upstream).forward({
        method: delivery.method,
        subPath: delivery.subPath,
        query: delivery.query,
        headers,
        body,
        remoteAddress: delivery.remoteAddress,
      });
      const excerpt = answer.answered
        ? storableText(answer.body.subarray(0, EXCERPT_CHARS * 4), answer.contentType, [upstream.password]).slice(0, EXCERPT_CHARS)
        : undefined;
      return {
        answered: answer.answered,
        status: answer.status,
        retryAfter: answer.headers['retry-after'],
        code: answer.error?.code,
        reason: reasonOf(answer.error?.details['reason']),
        excerpt: excerpt || undefined,
        durationMs: answer.durationMs,
      };
    },
  };
}

/** The queue's seal (its key from the store) and delivery, built before the pipeline that uses them. */
export async function wireRelayQueue(deps: { store: Store; logger: Logger }): Promise<RelayQueueWiring> {
  const seal = await loadDeliverySeal(deps.store);
  const upstreams = createUpstreamRegistry();
  return { seal, delivery: createQueuedDelivery({ seal, upstreams }), close: () => upstreams.closeAll() };
}
