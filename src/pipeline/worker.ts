/* eslint-disable max-lines -- the claim loop, lease renewal and the outcome of one run share the worker's in-memory slots (docs/architecture.md) */
import { ImpbError, isImpbError, isWebexError } from '../errors';
import type { Logger } from '../observability';
import type { ClaimedJob, Job, Lease, Store } from '../store/port';
import { applyJob } from './apply-job';
import { CREDENTIAL_CODES, defaultLeaseOwner, isLeaseLost } from './leases';
import { jobError } from './job-error';
import { createOutcomeWriter } from './job-outcomes';
import { retryDelayMs } from './backoff';
import type { Clock } from '../domain/clock';
import { isProvisionedStatus } from '../domain/subscriber';
import { coalesce, isSent } from './coalesce';
import { createCustomerOnboarding, type CustomerOnboarding } from './customer-onboarding';
import type { JobOutcome, JobRun, PipelineSettings } from './job-run';
import type { PipelineMetrics } from './pipeline-metrics';
import type { RelayDeliveryPort } from './relay-delivery-port';
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
  /** Expires the leases an earlier run of this instance left (their jobs look up before re-sending), then runs. */
  start(): Promise<void>;
  /** Jobs parked for bad Webex credentials go back to the queue, in one statement; returns how many. */
  resumeAwaitingCredentials(): Promise<number>;
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
  /** The one clock (tests drive time); `now` is the older spelling of the same thing. */
  clock?: Clock;
  now?: () => number;
  random?: () => number;
  /**
   * Who holds this worker's leases. Stable across restarts of one instance (host + data dir):
   * at start, leases under this name belong to a run that is gone. Unique per instance.
   */
  owner?: string;
  /** Sends relay_delivery jobs upstream (queue-mode relay templates); absent, such a job fails with a clear error. */
  relay?: RelayDeliveryPort;
}

const EVENT_KINDS = new Set(['assign', 'modify', 'unassign']);

interface ActiveSlot {
  job: Job;
  lease: Lease;
  /** Set when a renewal found the lease taken over: the job is dropped without writing. */
  lost: boolean;
  done: Promise<void>;
}

export { defaultLeaseOwner, isLeaseLost } from './leases';

// eslint-disable-next-line max-lines-per-function -- the worker's claim loop, lease renewal and slots share in-memory state; its steps are small closures (see docs/architecture.md)
export function createPipelineWorker(deps: WorkerDeps): PipelineWorker {
  const { store, api, settings, logger, metrics } = deps;
  const now = deps.now ?? (deps.clock ? () => deps.clock!.now() : Date.now);
  const owner = deps.owner ?? defaultLeaseOwner();
  const { leaseMs } = settings;
  const renewEveryMs = Math.max(10, Math.floor(leaseMs / 3));
  let renewTimer: NodeJS.Timeout | undefined;
  const counters = { started: 0, completed: 0, retried: 0, failed: 0, coalesced: 0 };
  const outcomes = createOutcomeWriter({ store, logger, metrics, now, onFailed: () => counters.failed++ });
  const customers: CustomerOnboarding = createCustomerOnboarding({ store, api, settings, now, owner });
  const active = new Map<number, ActiveSlot>();
  const activeUsers = new Set<string>();
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
          const jobs = await store.jobs.claim({ owner, leaseMs, limit: settings.concurrency - active.size, now: now() });
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

  function launch(job: ClaimedJob): void {
    activeUsers.add(job.userId);
    counters.started++;
    // slot.job is the job actually running: coalescing may replace the claimed head by a later job.
    const slot: ActiveSlot = { job, lease: job.lease, lost: false, done: Promise.resolve() };
    slot.done = processHead(slot)
      .catch(async (err: unknown) => {
        if (isLeaseLost(err)) {
          logger.warn('pipeline: the job was taken over by another worker after its lease expired; dropped here', {
            event: 'pipeline.job.lease_lost',
            jobId: slot.job.id,
            owner,
          });
          return;
        }
        logger.error('pipeline: job processing crashed', { event: 'pipeline.job.crash', jobId: slot.job.id, err });
        await requeueAfterCrash(slot, err);
      })
      .finally(() => {
        // This worker may have claimed the job again meanwhile (its lease expired while this run
        // waited, e.g. through a PostgreSQL outage): that run's slot now holds the key; leave it.
        if (active.get(job.id) === slot) {
          active.delete(job.id);
          activeUsers.delete(job.userId);
        }
        if (running) void fill();
      });
    active.set(job.id, slot);
  }

  /**
   * An exception outside a job step (the store refused a write, a bug) must not leave the job
   * 'running': nothing claims a running head, so the user would be stuck until the next start.
   */
  async function requeueAfterCrash(slot: ActiveSlot, err: unknown): Promise<void> {
    if (released || slot.lost) return;
    const job = slot.job;
    try {
      const current = await store.jobs.get(job.id);
      if (current?.state !== 'running') return;
      const at = now();
      const error = jobError(err, at);
      const nextRunAt = retryAt(current, at);
      if (nextRunAt === undefined) {
        await store.jobs.fail(slot.lease, { attempts: current.attempts + 1, lastError: error, now: at }, 'pipeline');
        counters.failed++;
        return;
      }
      await store.jobs.release(slot.lease, { to: 'retry_wait', attempts: current.attempts + 1, nextRunAt, lookupFirst: true, lastError: error, now: at });
      counters.retried++;
    } catch (again) {
      if (isLeaseLost(again)) return;
      logger.error('pipeline: a crashed job could not be put back in the queue; its lease expires and it is taken up again', {
        event: 'pipeline.job.requeue_failed',
        jobId: job.id,
        err: again,
      });
    }
  }

  /** Keeps the leases of running jobs current; a lease found taken over marks its job lost. */
  async function renewLeases(): Promise<void> {
    for (const slot of active.values()) {
      if (slot.lost) continue;
      try {
        slot.lease = await store.jobs.renew(slot.lease, { leaseMs, now: now() });
      } catch (err) {
        if (isLeaseLost(err)) slot.lost = true;
        else
          logger.warn('pipeline: renewing a job lease failed; retried at the next renewal', { event: 'pipeline.lease.renew_failed', jobId: slot.job.id, err });
      }
    }
  }

  /**
   * The fence before every Webex request of a run (WebexCallContext.beforeSend), asked after the
   * pacer let it go. The pacer may wait without bound (PostgreSQL's call budget unreachable), and
   * a renewal failing as "unreachable" meanwhile does not mark the slot lost: the lease expires,
   * the job is claimed again when the database is back (by this worker too), and that run looks
   * up and creates. A request of this run leaving then is a second create (postgres-stopped test).
   * So a lease not known to last another renewal interval is renewed first (never in steady
   * state: renewals keep two intervals ahead); when that fails nothing is sent.
   */
  async function holdLease(slot: ActiveSlot): Promise<void> {
    if (released || slot.lost)
      throw new ImpbError('IMPB_ERR_STORE_LEASE_LOST', { message: `job ${slot.job.id}: ${owner} no longer holds its lease; not sent` });
    if (slot.lease.expiresAt - now() > renewEveryMs) return;
    try {
      slot.lease = await store.jobs.renew(slot.lease, { leaseMs, now: now() });
    } catch (err) {
      if (isLeaseLost(err)) {
        slot.lost = true;
        logger.warn('pipeline: the job lease expired while a Webex call waited; not sent, the job was taken over', {
          event: 'pipeline.job.lease_lost',
          jobId: slot.job.id,
          owner,
        });
      }
      throw err;
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
        if (plan.coalesced.length || plan.run?.id !== head.id) {
          // One unit under the head's lease: the later job runs in its place, the others end.
          const handed = await store.jobs.coalesce(slot.lease, { coalesced: plan.coalesced.map((c) => c.id), run: plan.run?.id, now: now() }, 'pipeline');
          for (const c of plan.coalesced) {
            counters.coalesced++;
            metrics?.jobCompleted(c.kind, 'coalesced');
          }
          if (!handed) return;
          slot.job = handed;
          slot.lease = handed.lease;
        }
        if (!plan.run) return;
        job = slot.job;
      }
    }
    await runJob(slot, job);
  }

  async function runJob(slot: ActiveSlot, job: Job): Promise<void> {
    const call = { jobId: job.id, userId: job.userId, enterpriseId: job.enterpriseId, beforeSend: () => holdLease(slot) };
    const template = await store.templates.get(job.template);
    // A relay delivery's lane is a user id, but it has no subscriber record of its own.
    const record = job.kind === 'relay_delivery' ? undefined : await store.subscribers.get(job.userId);
    const run: JobRun = { job, template: template!, api, store, settings, customers, call, record, relay: deps.relay, now };
    let outcome: JobOutcome;
    try {
      if (!template) throw new ImpbError('IMPB_ERR_TEMPLATE_UNKNOWN', { message: `template ${job.template} no longer exists` });
      outcome = await applyJob(run);
    } catch (err) {
      if (released || slot.lost) return;
      await onError(slot, run, err);
      return;
    }
    if (released || slot.lost) return;
    const at = now();
    if (outcome.type === 'done') {
      await outcomes.complete(slot.lease, run, { attempts: job.attempts + 1, payload: run.job.payload, trackingId: run.record?.lastTrackingId, now: at });
      counters.completed++;
      metrics?.jobCompleted(job.kind, outcome.outcome);
      if (run.record && isProvisionedStatus(run.record.status)) {
        logger.info(`subscriber ${job.userId} provisioned (TrackingID ${run.record.lastTrackingId ?? 'none'})`, {
          event: 'pipeline.subscriber.provisioned',
          userId: job.userId,
          jobId: job.id,
          trackingId: run.record.lastTrackingId,
        });
      }
    } else if (outcome.type === 'later') {
      if (at + outcome.delayMs - job.createdAt > settings.attemptHorizonMs) {
        await outcomes.fail(
          slot.lease,
          run,
          jobError(new ImpbError('IMPB_ERR_PIPELINE_HORIZON', { message: `still ${run.record?.status ?? 'waiting'} when the attempt horizon passed` }), at),
          'failed',
        );
        return;
      }
      await outcomes.release(slot.lease, run, {
        to: 'polling',
        nextRunAt: at + outcome.delayMs,
        payload: outcome.payload,
        trackingId: run.record?.lastTrackingId,
        now: at,
      });
    } else {
      await outcomes.fail(slot.lease, run, outcome.error, outcome.subscriberStatus);
    }
  }

  /** When a failed job may run again (full-jitter backoff, at least Retry-After), or undefined past the attempt horizon. */
  function retryAt(job: Job, at: number, retryAfterMs?: number): number | undefined {
    const delay = retryDelayMs(job.attempts, { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs, retryAfterMs, random: deps.random });
    return at + delay - job.createdAt > settings.attemptHorizonMs ? undefined : at + delay;
  }

  async function onError(slot: ActiveSlot, run: JobRun, err: unknown): Promise<void> {
    const { job } = run;
    const at = now();
    const error = jobError(err, at);
    const retryable = isImpbError(err) ? err.retryable : false;
    if (!isImpbError(err)) logger.error('pipeline: unexpected error', { event: 'pipeline.job.bug', jobId: job.id, err });
    if (retryable) {
      const nextRunAt = retryAt(job, at, retryAfterOf(err));
      if (nextRunAt !== undefined) {
        await outcomes.release(slot.lease, run, {
          to: 'retry_wait',
          now: at,
          attempts: job.attempts + 1,
          nextRunAt,
          lastError: error,
          payload: run.job.payload,
          lookupFirst: job.lookupFirst || (isWebexError(err) && err.facts.maybeApplied),
          trackingId: error.trackingId,
        });
        counters.retried++;
        metrics?.retried(job.kind);
        logger.debug('pipeline: job will be retried', {
          event: 'pipeline.job.retry',
          jobId: job.id,
          userId: job.userId,
          code: error.code,
          delayMs: nextRunAt - at,
        });
        return;
      }
      error.message = `gave up after ${job.attempts + 1} attempts (attempt horizon): ${error.message}`;
    }
    if (CREDENTIAL_CODES.has(error.code)) {
      await outcomes.park(slot.lease, run, error);
      return;
    }
    await outcomes.fail(slot.lease, run, error, 'failed');
  }

  /** A Retry-After the failure carries: Webex's, or an upstream provisioning URL's (relay deliveries). */
  function retryAfterOf(err: unknown): number | undefined {
    if (isWebexError(err)) return err.facts.retryAfterMs;
    const ms = isImpbError(err) ? err.details['retryAfterMs'] : undefined;
    return typeof ms === 'number' ? ms : undefined;
  }

  function notifyIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  return {
    async start() {
      // Leases under our own name belong to an earlier run of this instance, which is gone:
      // they expire now instead of after leaseMs, and their jobs look up before re-sending.
      const recovered = await store.jobs.expireLeasesOf(owner, now());
      if (recovered) logger.info('pipeline: resumed jobs left in flight by the last run', { event: 'pipeline.recovered', jobs: recovered });
      running = true;
      released = false;
      renewTimer = setInterval(() => void renewLeases(), renewEveryMs);
      renewTimer.unref?.();
      void fill();
    },
    async resumeAwaitingCredentials() {
      const resumed = await store.jobs.resumeParked(now());
      if (resumed) {
        logger.info('pipeline: Webex credentials work again; parked jobs are back in the queue', { event: 'pipeline.resumed_credentials', jobs: resumed });
        if (running) void fill();
      }
      return resumed;
    },
    wake() {
      if (running) void fill();
    },
    stats() {
      return {
        running,
        concurrency: settings.concurrency,
        active: active.size,
        activeUsers: [...activeUsers],
        ...counters,
        customerCreates: customers.creates(),
      };
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
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = undefined;
      const all = Promise.all([...active.values()].map((a) => a.done));
      let timeout: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(true), timeoutMs)))]);
      if (timeout) clearTimeout(timeout);
      if (timedOut) {
        released = true;
        // Back to the queue; the next start looks up before re-sending anything.
        for (const slot of active.values()) {
          if (!slot.lost) await store.jobs.release(slot.lease, { to: 'queued', nextRunAt: now(), lookupFirst: true, now: now() }).catch(() => undefined);
        }
      }
      notifyIdle();
    },
  };
}

export { jobError } from './job-error';
