import type { Logger } from '../observability';
import type { JobError, Lease, Store } from '../store/port';
import { saveSubscriber, type JobRun } from './job-run';
import type { PipelineMetrics } from './pipeline-metrics';

/** How a job ends when it does not end done: failed (with its subscriber record) or parked. */
export function createOutcomeWriter(deps: { store: Store; logger: Logger; metrics?: PipelineMetrics; now: () => number; onFailed: () => void }) {
  const { store, logger, metrics, now } = deps;
  return {
    /** Webex refused our credentials: nothing about the user is wrong, so the job waits for valid ones. */
    async park(lease: Lease, run: JobRun, error: JobError): Promise<void> {
      const { job } = run;
      await store.jobs.fail(
        lease,
        { to: 'awaiting_credentials', attempts: job.attempts + 1, lastError: error, payload: run.job.payload, trackingId: error.trackingId, now: now() },
        'pipeline',
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
      await store.transaction(
        async (tx) => {
          await tx.jobs.fail(
            lease,
            { attempts: job.attempts + 1, lastError: error, payload: run.job.payload, trackingId: error.trackingId, now: at },
            'pipeline',
          );
          // A queued relay request has no subscriber: its outcome is the job's alone.
          if (!run.template || job.kind === 'relay_delivery') return;
          const patch = {
            status: subscriberStatus,
            lastErrorCode: error.webexErrorCode ?? error.code,
            lastErrorDescription: error.description ?? error.message,
            lastTrackingId: error.trackingId ?? run.record?.lastTrackingId,
          };
          await saveSubscriber(run, patch, tx);
        },
        { relaxed: true },
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
