/**
 * The one list of job states and the transitions between them. Adapters store states; the
 * rules about them (which move is allowed, which is audited, which are unfinished) live here.
 */
export const JOB_STATES = ['queued', 'running', 'retry_wait', 'polling', 'awaiting_credentials', 'done', 'failed', 'cancelled', 'coalesced'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States of a job that still has work to do; the oldest of a user's is the user's head. */
export const UNFINISHED_STATES = ['queued', 'running', 'retry_wait', 'polling'] as const satisfies readonly JobState[];
/** States a worker may claim once due (a running job is claimable again when its lease expired). */
export const CLAIMABLE_STATES = ['polling', 'retry_wait', 'queued'] as const satisfies readonly JobState[];
/** Waiting for valid Webex credentials: parked, never claimed until resumed. */
export const PARKED_STATES = ['awaiting_credentials'] as const satisfies readonly JobState[];
/** States that head a user's queue: a parked job keeps its place so later jobs cannot overtake it. */
export const HEAD_STATES = [...UNFINISHED_STATES, ...PARKED_STATES] as const satisfies readonly JobState[];
export const ENDED_STATES = ['done', 'failed', 'cancelled', 'coalesced'] as const satisfies readonly JobState[];
/** An operator may put these back in the queue. */
export const RETRYABLE_STATES = ['failed', 'cancelled', 'retry_wait'] as const satisfies readonly JobState[];
/** An operator may cancel these (a running job finishes its call first). */
export const CANCELLABLE_STATES = ['queued', 'retry_wait', 'polling', 'awaiting_credentials'] as const satisfies readonly JobState[];

const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  // A job may fail before it ran (refused by an operator or a check that needs no Webex call).
  queued: ['running', 'cancelled', 'coalesced', 'failed'],
  retry_wait: ['running', 'queued', 'cancelled', 'coalesced', 'failed'],
  polling: ['running', 'cancelled'],
  // A lease that expired leaves the job running: the next claim takes it over (running → running).
  running: ['running', 'done', 'failed', 'retry_wait', 'polling', 'queued', 'coalesced', 'awaiting_credentials'],
  awaiting_credentials: ['queued', 'cancelled'],
  failed: ['queued'],
  cancelled: ['queued'],
  done: [],
  coalesced: [],
};

export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isUnfinished(state: JobState): boolean {
  return (UNFINISHED_STATES as readonly string[]).includes(state);
}

const AUDITED_ENDS: readonly JobState[] = ['failed', 'coalesced', 'cancelled', 'awaiting_credentials'];
const TAKEN_UP_AGAIN: readonly JobState[] = ['failed', 'cancelled', 'awaiting_credentials'];

/**
 * Audited: a job ending without being done (or parked for credentials), and a failed,
 * cancelled or parked job taken up again (a retry or a resume).
 */
export function isAuditedTransition(from: JobState, to: JobState): boolean {
  if (from === to) return false;
  return AUDITED_ENDS.includes(to) || (TAKEN_UP_AGAIN.includes(from) && !AUDITED_ENDS.includes(to));
}

/** The SQL list of a state set, for adapters that keep it in a query or an index. */
export function sqlStateList(states: readonly JobState[]): string {
  return `(${states.map((s) => `'${s}'`).join(',')})`;
}
