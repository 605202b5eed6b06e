import type { ProvisioningEvent } from './events';

/** The facts of a job that coalescing reads (a structural subset of the store's Job). */
export interface CoalescibleJob {
  id: number;
  kind: string;
  template: string;
  enterpriseId: string;
  attempts: number;
  lookupFirst: boolean;
  payload: Record<string, unknown>;
}

/**
 * Coalescing, decided on a user's unfinished jobs (head first) before the head is sent:
 * - an assign followed by an identical assign is superseded by it (one call instead of two);
 * - an assign (then modifies) followed by an unassign, none of them sent, of a user Webex does
 *   not have (as far as the store knows) cancel out: no Webex call at all.
 * Returns the jobs to mark 'coalesced' and the job to run now (undefined: nothing left).
 */
export function coalesce<J extends CoalescibleJob>(pending: J[], userKnownInWebex: boolean): { coalesced: J[]; run?: J } {
  const coalesced: J[] = [];
  let i = 0;
  if (!pending.length || isSent(pending[0])) return { coalesced, run: pending[0] };

  while (i + 1 < pending.length && pending[i].kind === 'assign' && pending[i + 1].kind === 'assign' && sameAssign(pending[i], pending[i + 1])) {
    coalesced.push(pending[i]);
    i++;
  }

  // Only an unsent assign makes the pair cancel out: a modify names a user the AS believes exists,
  // and Webex may have it even when the store does not (provisioned before the bridge kept records).
  if (!userKnownInWebex && pending[i].kind === 'assign') {
    let j = i;
    while (j < pending.length && (pending[j].kind === 'assign' || pending[j].kind === 'modify')) j++;
    if (j < pending.length && pending[j].kind === 'unassign' && pending[j].template === pending[i].template) {
      coalesced.push(...pending.slice(i, j + 1));
      return { coalesced, run: undefined };
    }
  }
  return { coalesced, run: pending[i] };
}

/** A job has (maybe) reached Webex once it ran at least once, or a crash cut it short. */
export function isSent(job: CoalescibleJob): boolean {
  return job.attempts > 0 || job.lookupFirst || job.payload.phase !== undefined;
}

function eventOf(job: CoalescibleJob): ProvisioningEvent | undefined {
  return job.payload.event as ProvisioningEvent | undefined;
}

function sameAssign(a: CoalescibleJob, b: CoalescibleJob): boolean {
  const ea = eventOf(a);
  const eb = eventOf(b);
  if (!ea || !eb || a.template !== b.template || a.enterpriseId !== b.enterpriseId) return false;
  return canonical(ea.profile) === canonical(eb.profile);
}

function canonical(profile: object): string {
  return JSON.stringify(
    Object.entries(profile)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : 1)),
  );
}
