import { Counter, Histogram, type Registry } from 'prom-client';
import type { WebexCallObservation } from '../pipeline/webex-port';

export interface WebexCallMetrics {
  observe(obs: WebexCallObservation): void;
}

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** impb_webex_calls_total{operation,status}, impb_webex_rate_limited_total, impb_webex_call_duration_seconds{operation}. */
export function createWebexCallMetrics(registry: Registry): WebexCallMetrics {
  const calls = getOrCreate(
    registry,
    'impb_webex_calls_total',
    () =>
      new Counter({
        name: 'impb_webex_calls_total',
        help: 'Webex calls by operation and HTTP status ("none" when no answer came)',
        labelNames: ['operation', 'status'],
        registers: [registry],
      }),
  );
  const rateLimited = getOrCreate(
    registry,
    'impb_webex_rate_limited_total',
    () => new Counter({ name: 'impb_webex_rate_limited_total', help: 'Webex answers 429 (rate limited)', registers: [registry] }),
  );
  const duration = getOrCreate(
    registry,
    'impb_webex_call_duration_seconds',
    () =>
      new Histogram({
        name: 'impb_webex_call_duration_seconds',
        help: 'Duration of Webex calls',
        labelNames: ['operation'],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  return {
    observe(obs) {
      calls.inc({ operation: obs.operation, status: obs.httpStatus === undefined ? 'none' : String(obs.httpStatus) });
      if (obs.httpStatus === 429) rateLimited.inc();
      duration.observe({ operation: obs.operation }, obs.durationMs / 1000);
    },
  };
}
