import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/port';

export interface PipelineMetrics {
  jobCompleted(kind: string, outcome: string): void;
  retried(kind: string): void;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** Queue and subscriber gauges are collected from the store at scrape time. */
export function createPipelineMetrics(registry: Registry, store: Store): PipelineMetrics {
  const completed =
    existing<Counter<'kind' | 'outcome'>>(registry, 'impb_jobs_completed_total') ??
    new Counter({ name: 'impb_jobs_completed_total', help: 'Jobs finished, by kind and outcome', labelNames: ['kind', 'outcome'], registers: [registry] });
  const retries =
    existing<Counter<'kind'>>(registry, 'impb_retries_total') ??
    new Counter({
      name: 'impb_retries_total',
      help: 'Job attempts that failed with a retryable error and were rescheduled',
      labelNames: ['kind'],
      registers: [registry],
    });
  if (!existing(registry, 'impb_queue_depth')) {
    new Gauge({
      name: 'impb_queue_depth',
      help: 'Unfinished jobs (queued, running, waiting to retry, polling)',
      registers: [registry],
      async collect() {
        if (store.isOpen()) this.set(await store.jobs.countPending());
      },
    });
    new Gauge({
      name: 'impb_oldest_job_age_seconds',
      help: 'Age of the oldest unfinished job',
      registers: [registry],
      async collect() {
        if (!store.isOpen()) return;
        const at = await store.jobs.oldestPendingCreatedAt();
        this.set(at ? Math.max(0, (Date.now() - at) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'impb_subscribers',
      help: 'Subscribers known to the proxy, by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        if (!store.isOpen()) return;
        this.reset();
        for (const [status, n] of Object.entries(await store.subscribers.countByStatus())) this.set({ status }, n);
      },
    });
  }
  return {
    jobCompleted: (kind, outcome) => completed.inc({ kind, outcome }),
    retried: (kind) => retries.inc({ kind }),
  };
}
