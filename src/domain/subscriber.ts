/** Webex subscriber statuses (Subscriber.status of the official specs), plus the proxy's own. */
export const WEBEX_SUBSCRIBER_STATUSES = [
  'pending_email_input',
  'pending_email_validation',
  'pending_user_migration',
  'provisioning',
  'provisioned',
  'updating',
  'error',
] as const;

/** Proxy-side lifecycle of a subscriber record. Webex may report statuses beyond this list. */
export type SubscriberStatus = 'queued' | (typeof WEBEX_SUBSCRIBER_STATUSES)[number] | 'deleting' | 'deleted' | 'failed' | (string & {});

/** What the user must do, for statuses where Webex waits on the user. */
export const WAITING_FOR_USER: Record<string, string> = {
  pending_email_input: 'Webex needs an email address for the user: set one on BroadWorks (or trust emails on the template).',
  pending_email_validation: 'The user must open the validation email Webex sent and confirm the address.',
  pending_user_migration: 'The user must accept the move of their existing Webex account into the customer org (email consent).',
};

/** Webex waits on the user (an email, a validation, a migration consent): the job ends, the user acts. */
export function isWaitingForUser(status: string): boolean {
  return status.startsWith('pending_');
}

/** Provisioned as far as the bridge is concerned (Webex may add errors it reports on the side). */
export function isProvisionedStatus(status: string): boolean {
  return status === 'provisioned' || status === 'provisioned_with_errors';
}

/**
 * The one terminal-status rule: no further poll changes it without a new event. The pipeline
 * polls every other status again with backoff.
 */
export function isTerminalStatus(status: string): boolean {
  return isProvisionedStatus(status) || status === 'error' || status === 'deleted' || status === 'failed' || isWaitingForUser(status);
}
