import type { Logger } from '../observability';
import type { JobError, JobQueue, JobResult, Lease, Repositories, Store } from '../store/port';
import { commitSubscriber, stageSubscriber, type JobRun } from './job-run';
import type { PipelineMetrics } from './pipeline-metrics';

type Release = Parameters<JobQueue['release']>[1];

/**
 * How a job's run ends, each outcome in ONE unit of work under the job's lease: the job's
 * transition, and the subscriber record the step left (run.pendingRecord) with its audit. A
 * stale lease (LeaseLost) rolls the whole unit back: the stale worker writes neither.
 *
 * Writes that stay outside, made during the step: the Wholesale customer record
 * (customer-onboarding.ts). 'creating' must be durable BEFORE the POST (a crash-safety marker:
 * a restart knows a create may be under way, and that the customer is the bridge's), and the
 * answer after it records a customer that now exists in Webex. Both are shared by every job of
 * the enterprise (single flight), not owned by this job's lease, so they must not roll back with it.
 */
export function createOutcomeWriter(deps: { store: Store; logger: Logger; metrics?: PipelineMetrics; now: () => number; onFailed: () => void }) {
  const { store, logger, metrics, now } = deps;
  /** The job's write first: a stale lease throws before the record is touched, and the unit rolls back. */
  const withRecord = (run: JobRun, writeJob: (tx: Repositories) => Promise<void>) =>
    store.transaction(
      async (tx) => {
        await writeJob(tx);
        await commitSubscriber(run, tx);
      },
      { relaxed: true },
    );
  return {
    /** running → done, with the record the step left. */
    complete(lease: Lease, run: JobRun, result: JobResult & { now: number }): Promise<void> {
      return withRecord(run, (tx) => tx.jobs.complete(lease, result));
    },

    /** running → polling / retry_wait, with the record the step left (e.g. the status of a poll). */
    release(lease: Lease, run: JobRun, result: Release): Promise<void> {
      return withRecord(run, (tx) => tx.jobs.release(lease, result));
    },

    /** Webex refused our credentials: nothing about the user is wrong, so the job waits for valid ones. */
    async park(lease: Lease, run: JobRun, error: JobError): Promise<void> {
      const { job } = run;
      await withRecord(run, (tx) =>
        tx.jobs.fail(
          lease,
          { to: 'awaiting_credentials', attempts: job.attempts + 1, lastError: error, payload: run.job.payload, trackingId: error.trackingId, now: now() },
          'pipeline',
        ),
      );
      logger.warn('pipeline: Webex refused the credentials; the job waits for valid ones', {
        event: 'pipeline.job.awaiting_credentials',
        jobId: job.id,
        userId: job.userId,
        code: error.code,
        trackingId: error.trackingId,
      });
    },

    /** The job's failure and the subscriber record commit together: a crash cannot leave them disagreeing. */
    async fail(lease: Lease, run: JobRun, error: JobError, subscriberStatus: string): Promise<void> {
      const { job } = run;
      const at = now();
      // A queued relay request has no subscriber: its outcome is the job's alone.
      if (run.template && job.kind !== 'relay_delivery') {
        stageSubscriber(run, {
          status: subscriberStatus,
          lastErrorCode: error.webexErrorCode ?? error.code,
          lastErrorDescription: error.description ?? error.message,
          lastTrackingId: error.trackingId ?? run.record?.lastTrackingId,
        });
      }
      await withRecord(run, (tx) =>
        tx.jobs.fail(lease, { attempts: job.attempts + 1, lastError: error, payload: run.job.payload, trackingId: error.trackingId, now: at }, 'pipeline'),
      );
      deps.onFailed();
      metrics?.jobCompleted(job.kind, 'failed');
      logger.warn('pipeline: job failed', { event: 'pipeline.job.failed', jobId: job.id, userId: job.userId, kind: job.kind, ...error });
      if (job.kind === 'relay_delivery') return;
      logger.info(`subscriber ${job.userId} failed (TrackingID ${error.trackingId ?? 'none'})`, {
        event: 'pipeline.subscriber.failed',
        userId: job.userId,
        jobId: job.id,
        trackingId: error.trackingId,
        code: error.code,
      });
    },
  };
}
