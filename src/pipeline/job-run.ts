import { isProvisionedStatus, isWaitingForUser, type Template } from '../domain';
import { ImpbError, isWebexError, type ErrorCode } from '../errors';
import type { Job, JobError, Repositories, Store, SubscriberRecord } from '../store/port';
import { pollDelayMs } from './backoff';
import type { CustomerOnboarding } from './customer-onboarding';
import type { PipelineSettings } from './pipeline-settings';
import type { WebexCallContext, WebexErrorEntry, WebexProvisioningApi } from './webex-port';

export type { PipelineSettings } from './pipeline-settings';

/** What a job step ends with; thrown errors are retried or failed by the worker. */
export type JobOutcome =
  | { type: 'done'; outcome: 'applied' | 'unchanged' | 'deleted' | 'waiting_for_user' | 'noop' }
  | { type: 'later'; delayMs: number; payload: Record<string, unknown> }
  | { type: 'failed'; error: JobError; subscriberStatus: string };

/** One run of one job: its template, the (rate-limited) Webex port and its subscriber record. */
export interface JobRun {
  job: Job;
  template: Template;
  api: WebexProvisioningApi;
  store: Store;
  settings: PipelineSettings;
  customers: CustomerOnboarding;
  call: WebexCallContext;
  record: SubscriberRecord | undefined;
  /** TrackingID of the latest lookup, recorded when nothing else had to be sent. */
  lookupTrackingId?: string;
  now(): number;
}

type SubscriberPatch = Partial<Omit<SubscriberRecord, 'userId' | 'createdAt' | 'updatedAt'>> & { status: string };

/** Records what Webex said about the user; upsert audits each status change with its TrackingID. */
export async function saveSubscriber(run: JobRun, patch: SubscriberPatch, repos: Pick<Repositories, 'subscribers'> = run.store): Promise<SubscriberRecord> {
  const base = run.record ?? {
    userId: run.job.userId,
    template: run.job.template,
    enterpriseId: run.job.enterpriseId,
    isActive: true,
    profile: {},
    status: 'queued',
  };
  const { createdAt: _c, updatedAt: _u, lastStatusChange: _l, ...rest } = base as SubscriberRecord;
  run.record = await repos.subscribers.upsert({ ...rest, template: run.job.template, enterpriseId: run.job.enterpriseId, ...patch }, 'pipeline');
  return run.record;
}

export { isWaitingForUser } from '../domain/subscriber';

/**
 * After a create/update or a poll: terminal statuses end the job (provisioned, error,
 * pending_* = waiting for the user); anything else is polled again with backoff.
 */
export async function afterStatus(
  run: JobRun,
  target: { api: 'broadworks' | 'wholesale'; id: string },
  status: string,
  trackingId: string,
  errors: WebexErrorEntry[] | undefined,
  patch: Partial<SubscriberPatch> = {},
): Promise<JobOutcome> {
  const first = errors?.[0];
  await saveSubscriber(run, {
    ...patch,
    status,
    webexSubscriberId: target.id,
    lastTrackingId: trackingId,
    lastErrorCode: status === 'error' && first?.errorCode !== undefined ? String(first.errorCode) : undefined,
    lastErrorDescription: status === 'error' ? first?.description : undefined,
  });
  if (isProvisionedStatus(status)) {
    if (target.api === 'broadworks') await noteCustomerOrg(run);
    return { type: 'done', outcome: 'applied' };
  }
  if (isWaitingForUser(status)) return { type: 'done', outcome: 'waiting_for_user' };
  if (status === 'error') {
    return {
      type: 'failed',
      subscriberStatus: 'error',
      error: {
        code: 'IMPB_ERR_WEBEX_PROVISIONING_FAILED',
        message: `Webex reports status error${first ? `: ${first.errorCode ?? '?'} ${first.description ?? ''}` : ''}`,
        webexErrorCode: first?.errorCode === undefined ? undefined : String(first.errorCode),
        description: first?.description,
        trackingId,
        at: run.now(),
      },
    };
  }
  const pollCount = Number(run.job.payload.pollCount ?? 0);
  return {
    type: 'later',
    delayMs: pollDelayMs(pollCount, { initialMs: run.settings.pollInitialMs, maxMs: run.settings.pollMaxMs }),
    payload: { ...run.job.payload, phase: 'poll', pollApi: target.api, pollId: target.id, pollCount: pollCount + 1 },
  };
}

/**
 * A Webex for BroadWorks subscriber carries no org ID, but its person does: asked once, when the
 * user is first provisioned, for the support data of a Cisco service request. Best effort: the
 * user is provisioned whatever this lookup answers.
 */
async function noteCustomerOrg(run: JobRun): Promise<void> {
  const personId = run.record?.personId;
  if (!personId || run.record?.orgId) return;
  try {
    const person = await run.api.people.getPerson(personId, run.call);
    if (person.data.orgId) await saveSubscriber(run, { status: run.record!.status, orgId: person.data.orgId });
  } catch {
    // The next provisioning of this user asks again; support shows the org as not known yet.
  }
}

export function isNotFound(err: unknown): boolean {
  return isWebexError(err) && err.facts.httpStatus === 404;
}

export function isConflict(err: unknown): boolean {
  return isWebexError(err) && err.facts.httpStatus === 409;
}

export function pipelineError(code: ErrorCode, message: string): ImpbError {
  return new ImpbError(code, { message });
}
