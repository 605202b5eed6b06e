import { hostname } from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import type { Logger, Registry } from '../observability';
import type { Store } from '../store';
import type { Job } from '../store/port';
import type { PipelineSettings } from './job-run';
import { createPipelineMetrics } from './pipeline-metrics';
import type { RelayDeliveryPort } from './relay-delivery-port';
import type { WebexProvisioningApi } from './webex-port';
import { createPipelineWorker, type PipelineWorker, type WorkerStats } from './worker';

export interface PipelineStats extends WorkerStats {
  /** Current allowed Webex calls per second (AIMD: halves on 429, climbs back). */
  ratePerSecond: number;
  rateDecreases: number;
  jobsByState: Record<string, number>;
}

export interface PipelineWiring {
  /** Process newly enqueued jobs now (admin calls it after jobs.enqueue). */
  wake(): void;
  /** Enqueues a job (admin: 'resync' with payload {}, 'set_package' with { package }) and wakes the worker. */
  enqueue(job: Pick<Job, 'kind' | 'template' | 'userId' | 'enterpriseId'> & { payload?: Record<string, unknown>; eventId?: number }): Promise<number>;
  stats(): Promise<PipelineStats>;
  /** Jobs parked for bad Webex credentials go back to the queue; returns how many. The credentials probe calls it when the token works again. */
  resumeAwaitingCredentials(): Promise<number>;
  /** True once the worker has started (wirePipeline resolves after its start). */
  readonly running: boolean;
  /** The worker (tests: whenIdle). */
  readonly worker: PipelineWorker;
  close: Closer;
}

/** What the pipeline reads of the shared Webex rate limit (for its stats). */
export interface RateGauge {
  currentRate(): number;
  decreases(): number;
}

export interface PipelineDeps {
  config: Config;
  logger: Logger;
  metrics: Registry;
  store: Store;
  /**
   * The Webex client (it paces every exchange with the process's one limiter: list pages, admin
   * look-ups and reconcile share the budget of the worker) and that limiter.
   */
  webex: { client: WebexProvisioningApi; limiter: RateGauge };
  /** Sends the requests queue-mode relay templates stored (relay_delivery jobs). */
  relay?: RelayDeliveryPort;
}

export function pipelineSettings(config: Config): PipelineSettings {
  return { ...config.pipeline };
}

export async function wirePipeline(deps: PipelineDeps): Promise<PipelineWiring> {
  const { config, logger, store } = deps;
  const settings = pipelineSettings(config);
  const metrics = createPipelineMetrics(deps.metrics, store);
  const { client, limiter } = deps.webex;
  // The lease owner is stable across restarts of this instance (its host and data dir).
  const owner = `${hostname()}:${path.resolve(config.dataDir)}`;
  const worker = createPipelineWorker({ store, api: client, settings, logger, metrics, owner, relay: deps.relay });
  await worker.start();
  // New events start at once instead of at the next idle poll (idlePollMs still covers jobs
  // that reach the store another way, e.g. a second process).
  const unsubscribe = store.events.onCommitted?.(() => worker.wake());
  logger.info('pipeline worker started', { event: 'pipeline.start', concurrency: settings.concurrency, ratePerSecond: settings.ratePerSecond });
  return {
    wake: () => worker.wake(),
    resumeAwaitingCredentials: () => worker.resumeAwaitingCredentials(),
    async enqueue(job) {
      const id = await store.jobs.enqueue({
        eventId: job.eventId ?? 0,
        kind: job.kind,
        template: job.template,
        userId: job.userId,
        enterpriseId: job.enterpriseId,
        nextRunAt: Date.now(),
        payload: job.payload ?? {},
      });
      worker.wake();
      return id;
    },
    async stats() {
      return { ...worker.stats(), ratePerSecond: limiter.currentRate(), rateDecreases: limiter.decreases(), jobsByState: await store.jobs.countByState() };
    },
    running: true,
    worker,
    close: async () => {
      unsubscribe?.();
      await worker.close(config.shutdown.drainTimeoutMs);
    },
  };
}
