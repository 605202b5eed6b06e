/**
 * Canonical provisioning events: what a BroadWorks flow-through command means, independent
 * of the XML dialect it arrived in and of the Webex API it will become.
 */
export type EventKind = 'assign' | 'modify' | 'unassign';
export type CommandKind = EventKind | 'status';

/** Profile fields the AS sends. A value of '' on a modify means "clear". */
export interface UserProfile {
  firstName?: string;
  lastName?: string;
  email?: string;
  phoneNumber?: string;
  extension?: string;
  mobilePhoneNumber?: string;
  language?: string;
  timeZone?: string;
  impId?: string;
}

export const PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phoneNumber',
  'extension',
  'mobilePhoneNumber',
  'language',
  'timeZone',
  'impId',
] as const satisfies ReadonlyArray<keyof UserProfile>;

export interface ProvisioningEvent {
  kind: EventKind;
  template: string;
  /** BroadWorks user id, e.g. 2405551212@voip.example.net. */
  userId: string;
  /** The enterprise identity sent to Webex (spEnterpriseId / Wholesale externalId). */
  enterpriseId: string;
  serviceProviderId?: string;
  groupId?: string;
  resellerId?: string;
  profile: UserProfile;
  /** True when the AS sent only a password change: acknowledged with no Webex call. */
  passwordOnly?: boolean;
}

/** A ProvisioningEvent as accepted into the store, with its arrival facts. */
export interface AcceptedEvent extends ProvisioningEvent {
  id: number;
  requestId: string;
  /** Epoch ms. */
  receivedAt: number;
}
