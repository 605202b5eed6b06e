import type { ProvisioningEvent } from '../domain';
import { assignBroadworks, modifyBroadworks, pollBroadworks, setPackageBroadworks, unassignBroadworks } from './broadworks-jobs';
import { isNotFound, pipelineError, type JobOutcome, type JobRun } from './job-run';
import { mergeProfile } from './profile-mapping';
import { deliverQueued } from './relay-delivery';
import { assignWholesale, modifyWholesale, pollWholesale, setPackageWholesale, unassignWholesale } from './wholesale-jobs';

/** Runs one step of a job: its Webex calls, or one status poll when it is in its polling phase. */
export async function applyJob(run: JobRun): Promise<JobOutcome> {
  const { job } = run;
  const wholesale = run.template.targetApi === 'wholesale';
  if (job.payload.phase === 'poll' && typeof job.payload.pollId === 'string') {
    try {
      return job.payload.pollApi === 'wholesale' ? await pollWholesale(run, job.payload.pollId) : await pollBroadworks(run, job.payload.pollId);
    } catch (err) {
      // The subscriber vanished while we polled it: apply the job again from the start.
      if (!isNotFound(err)) throw err;
      const { phase: _p, pollId: _i, pollApi: _a, pollCount: _c, ...rest } = job.payload;
      run.job = { ...job, payload: rest };
      return applyJob(run);
    }
  }
  const event = job.payload.event as ProvisioningEvent | undefined;
  const pkg = run.record?.package ?? run.template.package;
  switch (job.kind) {
    case 'assign': {
      const profile = mergeProfile(undefined, event?.profile);
      return wholesale ? assignWholesale(run, profile, pkg) : assignBroadworks(run, profile, pkg);
    }
    case 'modify':
      return wholesale ? modifyWholesale(run, event?.profile ?? {}) : modifyBroadworks(run, event?.profile ?? {});
    case 'unassign':
      return wholesale ? unassignWholesale(run) : unassignBroadworks(run);
    case 'set_package': {
      const wanted = job.payload.package;
      if (typeof wanted !== 'string' || !wanted) throw pipelineError('IMPB_ERR_VALIDATION', 'set_package job without a package');
      return wholesale ? setPackageWholesale(run, wanted) : setPackageBroadworks(run, wanted);
    }
    case 'relay_delivery':
      return deliverQueued(run);
    case 'resync':
    case 'reconcile_repair':
      return resync(run, pkg, wholesale);
    default:
      throw pipelineError('IMPB_ERR_VALIDATION', `unknown job kind ${String(job.kind)}`);
  }
}

/** Re-applies the last known state: the recorded profile plus the user's last event. */
async function resync(run: JobRun, pkg: string, wholesale: boolean): Promise<JobOutcome> {
  const [last] = await run.store.events.listForUser(run.job.userId, 1);
  if (last?.kind === 'unassign' || (!last && run.record?.status === 'deleted')) return wholesale ? unassignWholesale(run) : unassignBroadworks(run);
  const profile = mergeProfile(run.record?.profile, last?.profile);
  return wholesale ? assignWholesale(run, profile, pkg) : assignBroadworks(run, profile, pkg);
}
