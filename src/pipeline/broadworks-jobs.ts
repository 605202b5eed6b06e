import type { UserProfile } from '../domain';
import { afterStatus, isConflict, isNotFound, stageSubscriber, type JobOutcome, type JobRun } from './job-run';
import { broadworksCreateBody, broadworksDiff, broadworksModifyBody, isEmpty, mergeProfile, type AppliedProfile } from './profile-mapping';
import type { BroadworksSubscriber, BroadworksSubscriberUpdate } from './webex-port';

/** GET /broadworks/subscribers?userId=&spEnterpriseId= */
async function lookup(run: JobRun): Promise<BroadworksSubscriber | undefined> {
  const res = await run.api.broadworks.listSubscribers({ userId: run.job.userId, spEnterpriseId: run.job.enterpriseId }, run.call);
  run.lookupTrackingId = res.trackingId;
  return res.data.find((s) => s.userId === run.job.userId);
}

/** Assign: absent → POST; present and different → PUT of the differences; same → nothing. */
export async function assignBroadworks(run: JobRun, profile: AppliedProfile, pkg: string): Promise<JobOutcome> {
  const desired = broadworksCreateBody(run.template, run.job.userId, run.job.enterpriseId, profile, pkg);
  let existing = await lookup(run);
  if (!existing) {
    try {
      const res = await run.api.broadworks.createSubscriber(desired, run.call);
      return afterStatus(run, { api: 'broadworks', id: res.data.id }, res.data.status, res.trackingId, res.data.errors, {
        profile,
        package: pkg,
        email: profile.email,
        personId: res.data.personId,
        isActive: true,
      });
    } catch (err) {
      // Someone (or an earlier attempt whose answer was lost) created it meanwhile.
      if (!isConflict(err)) throw err;
      existing = await lookup(run);
      if (!existing) throw err;
    }
  }
  const diff = broadworksDiff(desired, existing);
  return update(run, existing, diff, { profile, package: pkg, email: profile.email ?? existing.email, isActive: true });
}

async function update(
  run: JobRun,
  existing: BroadworksSubscriber,
  diff: BroadworksSubscriberUpdate,
  patch: Parameters<typeof afterStatus>[5],
): Promise<JobOutcome> {
  if (isEmpty(diff)) {
    const outcome = await afterStatus(
      run,
      { api: 'broadworks', id: existing.id },
      existing.status,
      run.lookupTrackingId ?? run.record?.lastTrackingId ?? '',
      existing.errors,
      { ...patch, personId: existing.personId },
    );
    return outcome.type === 'done' ? { type: 'done', outcome: outcome.outcome === 'applied' ? 'unchanged' : outcome.outcome } : outcome;
  }
  const res = await run.api.broadworks.updateSubscriber(existing.id, diff, run.call);
  return afterStatus(run, { api: 'broadworks', id: existing.id }, res.data.status, res.trackingId, res.data.errors, {
    ...patch,
    personId: res.data.personId ?? existing.personId,
  });
}

/** Modify: a PUT of only the fields that changed since the last applied profile. */
export async function modifyBroadworks(run: JobRun, change: UserProfile): Promise<JobOutcome> {
  const previous = run.record?.profile ?? {};
  const merged = mergeProfile(previous, change);
  const pkg = run.record?.package ?? run.template.package;
  const existing = await lookup(run);
  if (!existing) return assignBroadworks(run, merged, pkg);
  return update(run, existing, broadworksModifyBody(previous, change), { profile: merged, package: pkg, email: merged.email ?? existing.email });
}

/** Unassign: look up, DELETE; absent or 404 counts as done. */
export async function unassignBroadworks(run: JobRun): Promise<JobOutcome> {
  const existing = await lookup(run);
  if (existing) {
    try {
      await run.api.broadworks.deleteSubscriber(existing.id, run.call);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  stageSubscriber(run, { status: 'deleted', webexSubscriberId: undefined, isActive: false, lastErrorCode: undefined, lastErrorDescription: undefined });
  return { type: 'done', outcome: 'deleted' };
}

/** set_package (admin): a PUT of the package alone. */
export async function setPackageBroadworks(run: JobRun, pkg: string): Promise<JobOutcome> {
  const existing = await lookup(run);
  if (!existing) return assignBroadworks(run, run.record?.profile ?? {}, pkg);
  return update(run, existing, existing.package === pkg ? {} : { package: pkg }, { package: pkg });
}

export async function pollBroadworks(run: JobRun, id: string): Promise<JobOutcome> {
  const res = await run.api.broadworks.getSubscriber(id, run.call);
  return afterStatus(run, { api: 'broadworks', id }, res.data.status, res.trackingId, res.data.errors, { personId: res.data.personId });
}
