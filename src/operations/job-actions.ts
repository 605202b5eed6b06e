import { currentActor } from '../observability';
import { ImpbError } from '../errors';
import { CANCELLABLE_STATES, RETRYABLE_STATES, type JobState } from '../domain/job-states';
import type { Job, JobFilter, Store } from '../store';
import { assertPackage } from '../templates/template-service';

/** States of a job that ran to an end. */
const RAN_STATES: ReadonlyArray<Job['state']> = ['done', 'failed'];

export interface JobActionsDeps {
  store: Store;
  /** Tells the pipeline there is work now (rt.pipeline.wake when it has one). */
  wake?: () => void;
  actor?: string;
}

/** The worker may claim the job between our read and our write: then its state wins. */
async function changedMeanwhile(store: Store, job: Job, verb: 'retried' | 'cancelled'): Promise<ImpbError> {
  const now = (await store.jobs.get(job.id))?.state ?? 'gone';
  return new ImpbError('IMPB_ERR_CONFLICT', {
    message: `job ${job.id} changed from ${job.state} to ${now} while it was being ${verb}; nothing was changed: look at it again`,
    details: { jobId: job.id, state: now, reason: 'state_changed' },
  });
}

/**
 * A later job of the user that already ran (an unassign, a resync, …) holds newer state than
 * this one: replaying the old one would undo it, e.g. re-provision a user the AS removed.
 */
async function refuseIfSuperseded(store: Store, job: Job): Promise<void> {
  const [latest] = await store.jobs.list({ userId: job.userId, state: [...RAN_STATES], limit: 1 });
  if (!latest || latest.id <= job.id) return;
  throw new ImpbError('IMPB_ERR_CONFLICT', {
    message:
      `job ${job.id} (${job.kind}) is older than job ${latest.id} (${latest.kind}, ${latest.state}) of ${job.userId}: retrying it would replay outdated state. ` +
      `Run "imp-bridge subscribers resync ${job.userId}" to bring Webex in line with the user's current state instead`,
    details: { jobId: job.id, state: job.state, reason: 'superseded', supersededBy: latest.id },
  });
}

/** What the actions share: the store, who acts, and how to wake the pipeline. */
interface ActionContext {
  store: Store;
  actor: string;
  wake?: () => void;
}

async function getJob(store: Store, id: number): Promise<Job> {
  const job = await store.jobs.get(id);
  if (!job) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no job ${id}`, details: { jobId: id } });
  return job;
}

async function enqueueForUser(
  ctx: ActionContext,
  userId: string,
  kind: 'resync' | 'set_package' | 'unassign',
  payload: Record<string, unknown>,
  reason: string,
): Promise<Job> {
  const { store, actor } = ctx;
  const subscriber = await store.subscribers.get(userId);
  if (!subscriber) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no subscriber "${userId}" in the store`, details: { userId } });
  // Jobs hang off the event that caused them; an operator action hangs off the user's last one.
  const [lastEvent] = await store.events.listForUser(userId, 1);
  const id = await store.jobs.enqueue({
    eventId: lastEvent?.id ?? 0,
    kind,
    template: subscriber.template,
    userId,
    enterpriseId: subscriber.enterpriseId,
    nextRunAt: Date.now(),
    payload,
  });
  await store.audit.append({
    actor: currentActor(actor),
    entityType: 'subscriber',
    entityId: userId,
    action: kind,
    after: { jobId: id, ...payload },
    detail: reason,
  });
  ctx.wake?.();
  return (await store.jobs.get(id))!;
}

async function retryJob(ctx: ActionContext, id: number): Promise<Job> {
  const { store, actor } = ctx;
  const job = await getJob(store, id);
  if (!(RETRYABLE_STATES as readonly JobState[]).includes(job.state)) {
    throw new ImpbError('IMPB_ERR_CONFLICT', {
      message: `job ${id} is ${job.state}: only ${RETRYABLE_STATES.join(', ')} jobs can be retried`,
      details: { jobId: id, state: job.state },
    });
  }
  await refuseIfSuperseded(store, job);
  if (!(await store.jobs.transition(id, { from: [job.state], to: 'queued', nextRunAt: Date.now(), now: Date.now() }, currentActor(actor))))
    throw await changedMeanwhile(store, job, 'retried');
  await store.audit.append({
    actor: currentActor(actor),
    entityType: 'job',
    entityId: String(id),
    action: 'retry',
    before: { state: job.state },
    after: { state: 'queued' },
  });
  ctx.wake?.();
  return getJob(store, id);
}

async function cancelJob(ctx: ActionContext, id: number): Promise<Job> {
  const { store, actor } = ctx;
  const job = await getJob(store, id);
  if (!(CANCELLABLE_STATES as readonly JobState[]).includes(job.state)) {
    const hint = job.state === 'running' ? ' (it is running right now: try again when it has finished its current call)' : '';
    throw new ImpbError('IMPB_ERR_CONFLICT', {
      message: `job ${id} is ${job.state}: only ${CANCELLABLE_STATES.join(', ')} jobs can be cancelled${hint}`,
      details: { jobId: id, state: job.state },
    });
  }
  if (!(await store.jobs.transition(id, { from: [job.state], to: 'cancelled', now: Date.now() }, currentActor(actor))))
    throw await changedMeanwhile(store, job, 'cancelled');
  await store.audit.append({
    actor: currentActor(actor),
    entityType: 'job',
    entityId: String(id),
    action: 'cancel',
    before: { state: job.state },
    after: { state: 'cancelled' },
  });
  return getJob(store, id);
}

async function setPackage(ctx: ActionContext, userId: string, pkg: string): Promise<Job> {
  const { store } = ctx;
  const subscriber = await store.subscribers.get(userId);
  if (!subscriber) throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no subscriber "${userId}" in the store`, details: { userId } });
  const template = await store.templates.get(subscriber.template);
  if (!template) {
    throw new ImpbError('IMPB_ERR_TEMPLATE_UNKNOWN', {
      message: `subscriber "${userId}" belongs to template "${subscriber.template}", which no longer exists`,
    });
  }
  assertPackage(template.targetApi, pkg);
  return enqueueForUser(ctx, userId, 'set_package', { package: pkg }, `package → ${pkg}`);
}

/**
 * Bulk retry (`jobs retry --state failed`): every failed job matching the template and
 * error code (Webex errorCode or IMPB code) goes back to the queue, in batches. Unlike a
 * single retry it does not check whether a later job of the user superseded each one.
 */
async function retryMatching(ctx: ActionContext, filter: { state: 'failed'; template?: string; errorCode?: string }, options: { batchSize?: number } = {}) {
  const { store, actor } = ctx;
  const at = Date.now();
  const result = await store.jobs.transitionMatching(filter, { to: 'queued', nextRunAt: at, now: at, batchSize: options.batchSize }, currentActor(actor));
  await store.audit.append({ actor: currentActor(actor), entityType: 'job', entityId: '*', action: 'retry_bulk', after: { ...filter, ...result } });
  if (result.moved) ctx.wake?.();
  return result;
}

/**
 * Operator actions on the job queue. The pipeline owns how jobs run; these only change their
 * state or add jobs (kinds 'resync' and 'set_package', run by the pipeline).
 */
export function createJobActions(deps: JobActionsDeps) {
  const { store } = deps;
  // deps.wake is looked up at each call: a caller may attach it after creating the actions.
  const ctx: ActionContext = { store, actor: deps.actor ?? 'admin-api', wake: () => deps.wake?.() };
  return {
    list(filter: JobFilter): Promise<Job[]> {
      return store.jobs.list(filter);
    },
    get: (id: number): Promise<Job> => getJob(store, id),
    retry: (id: number): Promise<Job> => retryJob(ctx, id),
    cancel: (id: number): Promise<Job> => cancelJob(ctx, id),
    setPackage: (userId: string, pkg: string): Promise<Job> => setPackage(ctx, userId, pkg),
    retryMatching: (filter: { state: 'failed'; template?: string; errorCode?: string }, options: { batchSize?: number } = {}) =>
      retryMatching(ctx, filter, options),
    resync(userId: string, reason = 'operator resync'): Promise<Job> {
      return enqueueForUser(ctx, userId, 'resync', {}, reason);
    },
    enqueueForUser: (userId: string, kind: 'resync' | 'set_package' | 'unassign', payload: Record<string, unknown>, reason: string): Promise<Job> =>
      enqueueForUser(ctx, userId, kind, payload, reason),
  };
}

export type JobActions = ReturnType<typeof createJobActions>;
