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
export type SubscriberStatus =
  | 'queued'
  | (typeof WEBEX_SUBSCRIBER_STATUSES)[number]
  | 'deleting'
  | 'deleted'
  | 'failed'
  | (string & {});

/** What the user must do, for statuses where Webex waits on the user. */
export const WAITING_FOR_USER: Record<string, string> = {
  pending_email_input: 'Webex needs an email address for the user: set one on BroadWorks (or trust emails on the template).',
  pending_email_validation: 'The user must open the validation email Webex sent and confirm the address.',
  pending_user_migration: 'The user must accept the move of their existing Webex account into the customer org (email consent).',
};

export function isTerminalStatus(status: string): boolean {
  return status === 'provisioned' || status === 'error' || status === 'deleted' || status === 'failed' || status.startsWith('pending_');
}
