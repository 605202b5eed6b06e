import { randomUUID } from 'node:crypto';

/** Webex support asks for the TrackingID of a failed call; the prefix says it came from imp-bridge. */
export function newTrackingId(): string {
  return `IMPB_${randomUUID()}`;
}
