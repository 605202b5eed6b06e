import type { ProvisioningEvent } from './events';

/** What the store knows of a user's latest accepted event, for the duplicate rule. */
export interface LatestEvent {
  id: number;
  dedupeKey: string;
  /** Epoch ms. */
  receivedAt: number;
}

/**
 * A re-sent request is a duplicate only while nothing else happened to that user since: an
 * assign, unassign, assign within the window must reach Webex as three events. So only the
 * user's latest event can be the original, and only inside the window.
 * Returns the id of the original, or undefined when the request is new.
 */
export function duplicateOf(dedupeKey: string, latest: LatestEvent | undefined, now: number, windowSeconds: number): number | undefined {
  if (windowSeconds <= 0 || !latest) return undefined;
  if (latest.dedupeKey !== dedupeKey) return undefined;
  return latest.receivedAt >= now - windowSeconds * 1000 ? latest.id : undefined;
}

/** A modify that only changes the IM&P password is acknowledged and recorded, but makes no job: Webex has nothing to change. */
export function makesJob(event: ProvisioningEvent): boolean {
  return !event.passwordOnly;
}
