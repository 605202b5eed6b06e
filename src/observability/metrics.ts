import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One registry per process (or per test), passed down; parts register their own metrics on it
 * so that `/metrics` exposes everything without a global.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'impb_' });
  return registry;
}
export type { Registry };
