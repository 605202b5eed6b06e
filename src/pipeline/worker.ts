import { ImpbError, isImpbError, isWebexError } from '../errors';
import type { Logger } from '../observability';
import type { Job, JobError, Store } from '../store/port';
import { applyJob } from './apply-job';
import { retryDelayMs } from './backoff';
import { coalesce, isSent } from './coalesce';
import { createCustomerOnboarding, type CustomerOnboarding } from './customer-onboarding';
import { saveSubscriber, type JobOutcome, type JobRun, type PipelineSettings } from './job-run';
import type { PipelineMetrics } from './pipeline-metrics';
import type { WebexProvisioningApi } from './webex-port';

export interface WorkerStats {
  running: boolean;
  concurrency: number;
  active: number;
  activeUsers: string[];
  started: number;
  completed: number;
  retried: number;
  failed: number;
  coalesced: number;
  customerCreates: number;
}

export interface PipelineWorker {
  /** Puts jobs a crash left running back in the queue (they look up before re-sending), then runs. */
  start(): Promise<void>;
  /** Look for due jobs now (e.g. right after an admin enqueue) instead of at the next idle poll. */
  wake(): void;
  stats(): WorkerStats;
  /** Resolves once no job is running and none is due (tests and benchmarks). */
  whenIdle(options?: { includeFuture?: boolean; timeoutMs?: number }): Promise<void>;
  /** Stops claiming; lets in-flight jobs finish for up to timeoutMs, then releases the rest to the queue. */
  close(timeoutMs?: number): Promise<void>;
}

export interface WorkerDeps {
  store: Store;
  /** Already wrapped with the shared rate limiter. */
  api: WebexProvisioningApi;
  settings: PipelineSettings;
  logger: Logger;
  metrics?: PipelineMetrics;
  now?: () => number;
  random?: () => number;
}

const EVENT_KINDS = new Set(['assign', 'modify', 'unassign']);

interface ActiveSlot {
  job: Job;
  done: Promise<void>;
}

export function createPipelineWorker(deps: WorkerDeps): PipelineWorker {
  const { store, api, settings, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const customers: CustomerOnboarding = createCustomerOnboarding({ store, api, settings, now });
  const active = new Map<number, ActiveSlot>();
  const activeUsers = new Set<string>();
  const counters = { started: 0, completed: 0, retried: 0, failed: 0, coalesced: 0 };
  let running = false;
  let released = false;
  let filling = false;
  let refill = false;
  let timer: NodeJS.Timeout | undefined;
  let idleWaiters: Array<() => void> = [];

  async function fill(): Promise<void> {
    if (filling) {
      refill = true;
      return;
    }
    filling = true;
    try {
      do {
        refill = false;
        while (running && active.size < settings.concurrency) {
          const jobs = await store.jobs.claimDue(now(), settings.concurrency - active.size, activeUsers);
          if (!jobs.length) break;
          for (const job of jobs) launch(job);
        }
      } while (refill && running);
    } catch (err) {
      logger.error('pipeline: claiming jobs failed', { event: 'pipeline.claim.error', err });
    } finally {
      filling = false;
    }
    await scheduleNext();
  }

  async function scheduleNext(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!running || !store.isOpen()) return;
    const next = active.size < settings.concurrency ? await store.jobs.nextDueAt().catch(() => undefined) : undefined;
    if (active.size === 0 && next === undefined) notifyIdle();
    const delay = next === undefined ? settings.idlePollMs : Math.min(settings.idlePollMs, Math.max(1, next - now()));
    timer = setTimeout(() => void fill(), delay);
    timer.unref?.();
  }

  function launch(job: Job): void {
    activeUsers.add(job.userId);
    counters.started++;
    // slot.job is the job actually running: coalescing may replace the claimed head by a later job.
    const slot: ActiveSlot = { job, done: Promise.resolve() };
    slot.done = processHead(slot)
      .catch(async (err: unknown) => {
        logger.error('pipeline: job processing crashed', { event: 'pipeline.job.crash', jobId: slot.job.id, err });
        await requeueAfterCrash(slot.job, err);
      })
      .finally(() => {
        active.delete(job.id);
        activeUsers.delete(job.userId);
        if (running) void fill();
      });
    active.set(job.id, slot);
  }

  /**
   * An exception outside a job step (the store refused a write, a bug) must not leave the job
   * 'running': nothing claims a running head, so the user would be stuck until the next start.
   */
  async function requeueAfterCrash(job: Job, err: unknown): Promise<void> {
    if (released) return;
    try {
      const current = await store.jobs.get(job.id);
      if (current?.state !== 'running') return;
      const at = now();
      const error = jobError(err, at);
      const nextRunAt = retryAt(current, at);
      if (nextRunAt === undefined) {
        await store.jobs.update(job.id, { state: 'failed', attempts: current.attempts + 1, lastError: error }, 'pipeline');
        counters.failed++;
        return;
      }
      await store.jobs.update(job.id, { state: 'retry_wait', attempts: current.attempts + 1, nextRunAt, lookupFirst: true, lastError: error });
      counters.retried++;
    } catch (again) {
      logger.error('pipeline: a crashed job could not be put back in the queue; the next start resumes it', { event: 'pipeline.job.requeue_failed', jobId: job.id, err: again });
    }
  }

  async function processHead(slot: ActiveSlot): Promise<void> {
    const head = slot.job;
    let job = head;
    if (EVENT_KINDS.has(head.kind) && !isSent(head)) {
      const pending = await store.jobs.pendingForUser(head.userId, 100);
      if (pending[0]?.id === head.id) {
        const record = await store.subscribers.get(head.userId);
        const known = Boolean(record && record.status !== 'deleted');
        const plan = coalesce(pending, known);
        if (plan.run && plan.run.id !== head.id) {
          await store.jobs.update(plan.run.id, { state: 'running' });
          slot.job = plan.run;
        }
        for (const c of plan.coalesced) {
          await store.jobs.update(c.id, { state: 'coalesced' }, 'pipeline');
          counters.coalesced++;
          metrics?.jobCompleted(c.kind, 'coalesced');
        }
        if (!plan.run) return;
        job = plan.run;
      }
    }
    await runJob(job);
  }

  async function runJob(job: Job): Promise<void> {
    const call = { jobId: job.id, userId: job.userId, enterpriseId: job.enterpriseId };
    const template = await store.templates.get(job.template);
    const run: JobRun = { job, template: template!, api, store, settings, customers, call, record: await store.subscribers.get(job.userId), now };
    let outcome: JobOutcome;
    try {
      if (!template) throw new ImpbError('IMPB_ERR_TEMPLATE_UNKNOWN', { message: `template ${job.template} no longer exists` });
      outcome = await applyJob(run);
    } catch (err) {
      if (released) return;
      await onError(run, err);
      return;
    }
    if (released) return;
    const at = now();
    if (outcome.type === 'done') {
      await store.jobs.update(job.id, { state: 'done', attempts: job.attempts + 1, payload: run.job.payload, trackingId: run.record?.lastTrackingId });
      counters.completed++;
      metrics?.jobCompleted(job.kind, outcome.outcome);
    } else if (outcome.type === 'later') {
      if (at + outcome.delayMs - Date.parse(job.createdAt) > settings.attemptHorizonMs) {
        await fail(run, jobError(new ImpbError('IMPB_ERR_PIPELINE_HORIZON', { message: `still ${run.record?.status ?? 'waiting'} when the attempt horizon passed` }), at), 'failed');
        return;
      }
      await store.jobs.update(job.id, { state: 'polling', nextRunAt: at + outcome.delayMs, payload: outcome.payload, trackingId: run.record?.lastTrackingId });
    } else {
      await fail(run, outcome.error, outcome.subscriberStatus);
    }
  }

  /** When a failed job may run again (full-jitter backoff, at least Retry-After), or undefined past the attempt horizon. */
  function retryAt(job: Job, at: number, retryAfterMs?: number): number | undefined {
    const delay = retryDelayMs(job.attempts, { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs, retryAfterMs, random: deps.random });
    return at + delay - Date.parse(job.createdAt) > settings.attemptHorizonMs ? undefined : at + delay;
  }

  async function onError(run: JobRun, err: unknown): Promise<void> {
    const { job } = run;
    const at = now();
    const error = jobError(err, at);
    const retryable = isImpbError(err) ? err.retryable : false;
    if (!isImpbError(err)) logger.error('pipeline: unexpected error', { event: 'pipeline.job.bug', jobId: job.id, err });
    if (retryable) {
      const nextRunAt = retryAt(job, at, isWebexError(err) ? err.facts.retryAfterMs : undefined);
      if (nextRunAt !== undefined) {
        await store.jobs.update(job.id, {
          state: 'retry_wait',
          attempts: job.attempts + 1,
          nextRunAt,
          lastError: error,
          payload: run.job.payload,
          lookupFirst: job.lookupFirst || (isWebexError(err) && err.facts.maybeApplied),
          trackingId: error.trackingId,
        });
        counters.retried++;
        metrics?.retried(job.kind);
        logger.debug('pipeline: job will be retried', { event: 'pipeline.job.retry', jobId: job.id, userId: job.userId, code: error.code, delayMs: nextRunAt - at });
        return;
      }
      error.message = `gave up after ${job.attempts + 1} attempts (attempt horizon): ${error.message}`;
    }
    await fail(run, error, 'failed');
  }

  async function fail(run: JobRun, error: JobError, subscriberStatus: string): Promise<void> {
    const { job } = run;
    await store.jobs.update(job.id, { state: 'failed', attempts: job.attempts + 1, lastError: error, payload: run.job.payload, trackingId: error.trackingId }, 'pipeline');
    if (run.template) {
      await saveSubscriber(run, {
        status: subscriberStatus,
        lastErrorCode: error.webexErrorCode ?? error.code,
        lastErrorDescription: error.description ?? error.message,
        lastTrackingId: error.trackingId ?? run.record?.lastTrackingId,
      });
    }
    counters.failed++;
    metrics?.jobCompleted(job.kind, 'failed');
    logger.warn('pipeline: job failed', { event: 'pipeline.job.failed', jobId: job.id, userId: job.userId, kind: job.kind, ...error });
  }

  function notifyIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  return {
    async start() {
      const recovered = await store.jobs.recoverInFlight();
      if (recovered) logger.info('pipeline: resumed jobs left in flight by the last run', { event: 'pipeline.recovered', jobs: recovered });
      running = true;
      released = false;
      void fill();
    },
    wake() {
      if (running) void fill();
    },
    stats() {
      return { running, concurrency: settings.concurrency, active: active.size, activeUsers: [...activeUsers], ...counters, customerCreates: customers.creates() };
    },
    async whenIdle(options = {}) {
      const deadline = now() + (options.timeoutMs ?? 60_000);
      for (;;) {
        const next = await store.jobs.nextDueAt();
        const pending = options.includeFuture ? await store.jobs.countPending() : 0;
        if (active.size === 0 && !filling && pending === 0 && (next === undefined || (!options.includeFuture && next > now()))) return;
        if (now() > deadline) throw new Error('pipeline did not become idle in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close(timeoutMs = 10_000) {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const all = Promise.all([...active.values()].map((a) => a.done));
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), timeoutMs)))]);
      if (timeout) clearTimeout(timeout);
      if (timedOut) {
        released = true;
        // Back to the queue; the next start looks up before re-sending anything.
        for (const { job } of active.values()) await store.jobs.update(job.id, { state: 'queued', lookupFirst: true }).catch(() => undefined);
      }
      notifyIdle();
    },
  };
}

export function jobError(err: unknown, at: number): JobError {
  const when = new Date(at).toISOString();
  if (isWebexError(err)) {
    const first = err.facts.webexErrors[0];
    return compactError({
      code: err.code,
      message: err.message,
      httpStatus: err.facts.httpStatus,
      webexErrorCode: err.webexErrorCode,
      description: first?.description ?? err.facts.webexMessage,
      trackingId: err.facts.trackingId,
      at: when,
    });
  }
  if (isImpbError(err)) {
    const d = err.details as { webexErrorCode?: string; description?: string; trackingId?: string; httpStatus?: number };
    return compactError({ code: err.code, message: err.message, httpStatus: d.httpStatus, webexErrorCode: d.webexErrorCode, description: d.description, trackingId: d.trackingId, at: when });
  }
  return { code: 'IMPB_ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), at: when };
}

function compactError(e: JobError): JobError {
  for (const key of Object.keys(e) as Array<keyof JobError>) if (e[key] === undefined) delete e[key];
  return e;
}
