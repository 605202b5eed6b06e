import type { ProvisioningEvent } from '../domain';
import type { Job } from '../store/port';

/**
 * Coalescing, decided on a user's unfinished jobs (head first) before the head is sent:
 * - an assign followed by an identical assign is superseded by it (one call instead of two);
 * - an assign (then modifies) followed by an unassign, none of them sent, of a user Webex does
 *   not have (as far as the store knows) cancel out: no Webex call at all.
 * Returns the jobs to mark 'coalesced' and the job to run now (undefined: nothing left).
 */
export function coalesce(pending: Job[], userKnownInWebex: boolean): { coalesced: Job[]; run?: Job } {
  const coalesced: Job[] = [];
  let i = 0;
  if (!pending.length || isSent(pending[0]!)) return { coalesced, run: pending[0] };

  while (i + 1 < pending.length && pending[i]!.kind === 'assign' && pending[i + 1]!.kind === 'assign' && sameAssign(pending[i]!, pending[i + 1]!)) {
    coalesced.push(pending[i]!);
    i++;
  }

  // Only an unsent assign makes the pair cancel out: a modify names a user the AS believes exists,
  // and Webex may have it even when the store does not (provisioned before the bridge kept records).
  if (!userKnownInWebex && pending[i]!.kind === 'assign') {
    let j = i;
    while (j < pending.length && (pending[j]!.kind === 'assign' || pending[j]!.kind === 'modify')) j++;
    if (j < pending.length && pending[j]!.kind === 'unassign' && pending[j]!.template === pending[i]!.template) {
      coalesced.push(...pending.slice(i, j + 1));
      return { coalesced, run: undefined };
    }
  }
  return { coalesced, run: pending[i] };
}

/** A job has (maybe) reached Webex once it ran at least once, or a crash cut it short. */
export function isSent(job: Job): boolean {
  return job.attempts > 0 || job.lookupFirst || job.payload.phase !== undefined;
}

function eventOf(job: Job): ProvisioningEvent | undefined {
  return job.payload.event as ProvisioningEvent | undefined;
}

function sameAssign(a: Job, b: Job): boolean {
  const ea = eventOf(a);
  const eb = eventOf(b);
  if (!ea || !eb || a.template !== b.template || a.enterpriseId !== b.enterpriseId) return false;
  return canonical(ea.profile) === canonical(eb.profile);
}

function canonical(profile: object): string {
  return JSON.stringify(Object.entries(profile).filter(([, v]) => v !== undefined).sort(([x], [y]) => (x < y ? -1 : 1)));
}
