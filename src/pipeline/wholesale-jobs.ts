import type { UserProfile } from '../domain';
import { afterStatus, isConflict, isNotFound, pipelineError, stageSubscriber, type JobOutcome, type JobRun } from './job-run';
import { isEmpty, mergeProfile, wholesaleCreateBody, type AppliedProfile } from './profile-mapping';
import type { WholesaleSubscriber, WholesaleSubscriberUpdate } from './webex-port';

async function lookup(run: JobRun, customerId: string, email: string): Promise<WholesaleSubscriber | undefined> {
  const res = await run.api.wholesale.listSubscribers({ customerId, email }, run.call);
  run.lookupTrackingId = res.trackingId;
  return res.data.find((s) => (s.email ?? '').toLowerCase() === email.toLowerCase());
}

function requireEmail(run: JobRun, profile: AppliedProfile): string {
  if (!profile.email) throw pipelineError('IMPB_ERR_FIELD_INVALID', `Wholesale provisioning of ${run.job.userId} needs an email address; BroadWorks sent none`);
  return profile.email;
}

/**
 * Wholesale assign: make sure the enterprise's customer exists and is provisioned (created
 * once per enterprise), then create the subscriber, or PUT what differs.
 */
export async function assignWholesale(run: JobRun, profile: AppliedProfile, pkg: string): Promise<JobOutcome> {
  const readiness = await run.customers.ensure(run.job.enterpriseId, run.template, run.call);
  if ('waitMs' in readiness) return { type: 'later', delayMs: readiness.waitMs, payload: { ...run.job.payload, waitingForCustomer: true } };
  const customerId = readiness.ready.webexCustomerId!;
  const email = requireEmail(run, profile);
  const patch = { profile, package: pkg, email, customerId, orgId: readiness.ready.orgId, isActive: true };
  // The stored id first: BroadWorks may send a changed email, and looking up by the new one
  // alone would create a second Webex subscriber for the same user.
  let existing = (await byStoredId(run)) ?? (await lookup(run, customerId, email));
  if (!existing) {
    const body = wholesaleCreateBody(run.template, customerId, email, profile, pkg);
    try {
      const res = await run.api.wholesale.createSubscriber(body, run.call);
      return noteAdmin(
        run,
        await afterStatus(run, { api: 'wholesale', id: res.data.id }, res.data.status, res.trackingId, res.data.errors, {
          ...patch,
          personId: res.data.personId,
        }),
      );
    } catch (err) {
      if (!isConflict(err)) throw err;
      existing = await lookup(run, customerId, email);
      if (!existing) throw err;
    }
  }
  const diff: WholesaleSubscriberUpdate = {};
  if (existing.package !== undefined && existing.package !== pkg) diff.package = pkg;
  if (existing.email && existing.email.toLowerCase() !== email.toLowerCase()) {
    await noteEmailNotChanged(run, existing.email, email);
    Object.assign(patch, { email: existing.email, profile: { ...profile, email: existing.email } });
  }
  return noteAdmin(run, await update(run, existing, diff, patch));
}

/**
 * The Wholesale PUT has no email field: the subscriber keeps the email Webex has, the record
 * says so, and the audit trail tells the operator what to do instead of failing the job.
 */
async function noteEmailNotChanged(run: JobRun, current: string, wanted: string): Promise<void> {
  await run.store.audit.append({
    actor: 'pipeline',
    entityType: 'subscriber',
    entityId: run.job.userId,
    action: 'email_not_changed',
    before: { email: current },
    after: { email: wanted },
    trackingId: run.lookupTrackingId,
    detail:
      'Webex Wholesale cannot change the email of an existing subscriber; the subscriber keeps its Webex email (change it in Control Hub, or unassign and assign again)',
  });
}

async function update(
  run: JobRun,
  existing: WholesaleSubscriber,
  diff: WholesaleSubscriberUpdate,
  patch: Parameters<typeof afterStatus>[5],
): Promise<JobOutcome> {
  if (isEmpty(diff))
    return afterStatus(run, { api: 'wholesale', id: existing.id }, existing.status, run.lookupTrackingId ?? run.record?.lastTrackingId ?? '', existing.errors, {
      ...patch,
      personId: existing.personId,
    });
  const res = await run.api.wholesale.updateSubscriber(existing.id, diff, run.call);
  return afterStatus(run, { api: 'wholesale', id: existing.id }, res.data.status, res.trackingId, res.data.errors, {
    ...patch,
    personId: res.data.personId ?? existing.personId,
  });
}

async function noteAdmin(run: JobRun, outcome: JobOutcome): Promise<JobOutcome> {
  if (outcome.type === 'done' && run.record?.status === 'provisioned') await run.customers.noteProvisionedUser(run.job.enterpriseId, run.job.userId);
  return outcome;
}

/** The subscriber the bridge recorded for this user, when Webex still has it. */
async function byStoredId(run: JobRun): Promise<WholesaleSubscriber | undefined> {
  if (!run.record?.webexSubscriberId) return undefined;
  try {
    const res = await run.api.wholesale.getSubscriber(run.record.webexSubscriberId, run.call);
    run.lookupTrackingId = res.trackingId;
    return res.data;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return undefined;
  }
}

async function existingOf(run: JobRun, profile: AppliedProfile): Promise<WholesaleSubscriber | undefined> {
  const stored = await byStoredId(run);
  if (stored) return stored;
  const customer = await run.store.customers.get(run.job.enterpriseId);
  if (!customer?.webexCustomerId || !profile.email) return undefined;
  return lookup(run, customer.webexCustomerId, profile.email);
}

/** Modify: Wholesale can change numbers and the package (names are not updatable there). */
export async function modifyWholesale(run: JobRun, change: UserProfile): Promise<JobOutcome> {
  const previous = run.record?.profile ?? {};
  const merged = mergeProfile(previous, change);
  const pkg = run.record?.package ?? run.template.package;
  const existing = await existingOf(run, merged);
  if (!existing) return assignWholesale(run, merged, pkg);
  const params: NonNullable<WholesaleSubscriberUpdate['provisioningParameters']> = {};
  if (change.phoneNumber !== undefined && change.phoneNumber !== (previous.phoneNumber ?? '')) params.primaryPhoneNumber = change.phoneNumber;
  if (change.extension !== undefined && change.extension !== (previous.extension ?? '')) params.extension = change.extension;
  return update(run, existing, isEmpty(params) ? {} : { provisioningParameters: params }, { profile: merged, package: pkg });
}

export async function unassignWholesale(run: JobRun): Promise<JobOutcome> {
  const existing = await existingOf(run, run.record?.profile ?? (run.job.payload.event as { profile?: AppliedProfile } | undefined)?.profile ?? {});
  if (existing) {
    try {
      await run.api.wholesale.deleteSubscriber(existing.id, run.call);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  stageSubscriber(run, { status: 'deleted', webexSubscriberId: undefined, isActive: false, lastErrorCode: undefined, lastErrorDescription: undefined });
  return { type: 'done', outcome: 'deleted' };
}

export async function setPackageWholesale(run: JobRun, pkg: string): Promise<JobOutcome> {
  const profile = run.record?.profile ?? {};
  const existing = await existingOf(run, profile);
  if (!existing) return assignWholesale(run, profile, pkg);
  return update(run, existing, existing.package === pkg ? {} : { package: pkg }, { package: pkg });
}

export async function pollWholesale(run: JobRun, id: string): Promise<JobOutcome> {
  const res = await run.api.wholesale.getSubscriber(id, run.call);
  return noteAdmin(run, await afterStatus(run, { api: 'wholesale', id }, res.data.status, res.trackingId, res.data.errors, { personId: res.data.personId }));
}
