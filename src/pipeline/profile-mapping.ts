import type { Template, UserProfile } from '../domain';
import type { BroadworksSubscriber, BroadworksSubscriberCreate, BroadworksSubscriberUpdate, WholesaleSubscriberCreate } from './webex-port';

/** The profile as last applied, kept in the subscriber record (strings only; '' = cleared). */
export type AppliedProfile = Record<string, string>;

export function mergeProfile(base: AppliedProfile | undefined, change: UserProfile | undefined): AppliedProfile {
  const out: AppliedProfile = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(change ?? {})) if (typeof value === 'string') out[key] = value;
  return out;
}

export function webexLanguage(template: Template, profile: AppliedProfile): string | undefined {
  const lang = profile.language || undefined;
  return (lang && template.languageMap?.[lang]) ?? lang ?? template.language;
}

/** POST body of Webex for BroadWorks: template's provisioningId and package, the user's data. */
export function broadworksCreateBody(
  template: Template,
  userId: string,
  enterpriseId: string,
  profile: AppliedProfile,
  pkg: string,
): BroadworksSubscriberCreate {
  const localPart = userId.split('@')[0] ?? userId;
  return dropEmpty({
    provisioningId: template.provisioningId,
    userId,
    spEnterpriseId: enterpriseId,
    firstName: profile.firstName || localPart,
    lastName: profile.lastName || localPart,
    package: pkg,
    email: profile.email,
    primaryPhoneNumber: profile.phoneNumber,
    mobilePhoneNumber: profile.mobilePhoneNumber,
    extension: profile.extension,
    language: webexLanguage(template, profile),
    timezone: profile.timeZone || template.timeZone,
  });
}

/** POST body of Webex Wholesale: the customer, the user's email and data, the template's location. */
export function wholesaleCreateBody(template: Template, customerId: string, email: string, profile: AppliedProfile, pkg: string): WholesaleSubscriberCreate {
  return {
    customerId,
    email,
    package: pkg,
    provisioningParameters: dropEmpty({
      firstName: profile.firstName,
      lastName: profile.lastName,
      primaryPhoneNumber: profile.phoneNumber,
      extension: profile.extension,
      locationId: template.wholesale?.locationId,
    }),
  };
}

// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- the spec's types carry an index signature; the list still names only compared fields
const COMPARED: Array<keyof BroadworksSubscriberUpdate & keyof BroadworksSubscriber> = [
  'firstName',
  'lastName',
  'primaryPhoneNumber',
  'mobilePhoneNumber',
  'extension',
  'package',
];

/** Fields of the desired state that differ from what Webex has: the PUT of an assign. */
export function broadworksDiff(desired: BroadworksSubscriberCreate, existing: BroadworksSubscriber): BroadworksSubscriberUpdate {
  const out: BroadworksSubscriberUpdate = {};
  for (const key of COMPARED) {
    const want = desired[key];
    if (want !== undefined && want !== (existing[key] ?? '')) out[key] = want;
  }
  return out;
}

const CLEARABLE = new Set(['primaryPhoneNumber', 'mobilePhoneNumber', 'extension']);
const PROFILE_TO_UPDATE: Record<string, keyof BroadworksSubscriberUpdate> = {
  firstName: 'firstName',
  lastName: 'lastName',
  phoneNumber: 'primaryPhoneNumber',
  mobilePhoneNumber: 'mobilePhoneNumber',
  extension: 'extension',
  timeZone: 'timezone',
};

/** A modify: only the fields that changed since the last applied profile ('' clears numbers, per the spec). */
export function broadworksModifyBody(previous: AppliedProfile, change: UserProfile): BroadworksSubscriberUpdate {
  const out: BroadworksSubscriberUpdate = {};
  for (const [field, target] of Object.entries(PROFILE_TO_UPDATE)) {
    const value = (change as Record<string, string | undefined>)[field];
    if (value === undefined || value === (previous[field] ?? '')) continue;
    if (value === '' && !CLEARABLE.has(target)) continue;
    out[target] = value;
  }
  return out;
}

function dropEmpty<T extends Record<string, unknown>>(obj: T): T {
  for (const key of Object.keys(obj)) if (obj[key] === undefined || obj[key] === '') delete obj[key];
  return obj;
}

export function isEmpty(obj: object): boolean {
  return Object.keys(obj).length === 0;
}
