import { Gauge, type Registry } from 'prom-client';
import type { Store } from '../store';

/**
 * Gauges read from the store at scrape time. Other parts own their metrics (inbound requests,
 * Webex calls, certificates); a gauge another part already registered is left to it.
 */
export function registerStoreGauges(registry: Registry, store: Store): string[] {
  const registered: string[] = [];
  const add = (name: string, make: () => Gauge) => {
    if (registry.getSingleMetric(name)) return;
    registry.registerMetric(make());
    registered.push(name);
  };
  add(
    'impb_subscribers',
    () =>
      new Gauge({
        name: 'impb_subscribers',
        help: 'Subscribers in the store by status',
        labelNames: ['status'],
        registers: [],
        async collect() {
          this.reset();
          if (!store.isOpen()) return;
          for (const [status, n] of Object.entries(await store.subscribers.countByStatus())) this.set({ status }, n);
        },
      }),
  );
  add(
    'impb_queue_depth',
    () =>
      new Gauge({
        name: 'impb_queue_depth',
        help: 'Unfinished jobs (queued, running, retry_wait, polling)',
        registers: [],
        async collect() {
          if (store.isOpen()) this.set(await store.jobs.countPending());
        },
      }),
  );
  add(
    'impb_oldest_job_age_seconds',
    () =>
      new Gauge({
        name: 'impb_oldest_job_age_seconds',
        help: 'Age of the oldest unfinished job (0 when none)',
        registers: [],
        async collect() {
          if (!store.isOpen()) return;
          const oldest = await store.jobs.oldestPendingCreatedAt();
          this.set(oldest ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
        },
      }),
  );
  add(
    'impb_jobs',
    () =>
      new Gauge({
        name: 'impb_jobs',
        help: 'Jobs in the store by state',
        labelNames: ['state'],
        registers: [],
        async collect() {
          this.reset();
          if (!store.isOpen()) return;
          for (const [state, n] of Object.entries(await store.jobs.countByState())) this.set({ state }, n);
        },
      }),
  );
  add(
    'impb_unknown_requests',
    () =>
      new Gauge({
        name: 'impb_unknown_requests',
        help: 'Stored requests the dialect table did not know',
        registers: [],
        async collect() {
          if (store.isOpen()) this.set(await store.unknownRequests.count('unknown'));
        },
      }),
  );
  return registered;
}
