/**
 * The flow-through dialect v1 (../shared/protocol/README.md) as data. A variant seen in the
 * field is an entry here plus a fixture under test/fixtures/flowthrough/, not new code.
 */
export type RequestKind = 'add' | 'modify' | 'delete' | 'get';

export interface CommandSpec {
  /** The canonical `xsi:type` (namespace prefixes are ignored when matching). */
  type: string;
  aliases: readonly string[];
  kind: RequestKind;
}

export const COMMAND_TABLE: readonly CommandSpec[] = [
  { type: 'UserIntegratedIMPAddRequest', aliases: ['UserAddRequest', 'IMPUserAddRequest'], kind: 'add' },
  { type: 'UserIntegratedIMPModifyRequest', aliases: ['UserModifyRequest', 'IMPUserModifyRequest'], kind: 'modify' },
  { type: 'UserIntegratedIMPDeleteRequest', aliases: ['UserDeleteRequest', 'IMPUserDeleteRequest'], kind: 'delete' },
  { type: 'UserIntegratedIMPGetRequest', aliases: [], kind: 'get' },
];

/** The fields of a command, by their canonical (documented) names. */
export const CANONICAL_FIELDS = [
  'userId',
  'impId',
  'impPassword',
  'resellerId',
  'serviceProviderId',
  'groupId',
  'isEnterprise',
  'isActive',
  'firstName',
  'lastName',
  'emailAddress',
  'phoneNumber',
  'extension',
  'mobilePhoneNumber',
  'language',
  'timeZone',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Alias element name → canonical field. Element names are matched case-sensitively. */
export const FIELD_ALIASES: Readonly<Record<string, CanonicalField>> = {
  email: 'emailAddress',
  primaryPhoneNumber: 'phoneNumber',
  mobile: 'mobilePhoneNumber',
  timezone: 'timeZone',
  enterpriseId: 'serviceProviderId',
};

/** Fields an add needs in every template; group-mode templates also need `groupId`. */
export const REQUIRED_FIELDS: Readonly<Record<RequestKind, readonly CanonicalField[]>> = {
  add: ['userId', 'serviceProviderId', 'firstName', 'lastName'],
  modify: ['userId'],
  delete: ['userId'],
  get: ['userId'],
};
export const REQUIRED_IN_GROUP_MODE: readonly CanonicalField[] = ['groupId'];

/** Fields that identify the user or its enterprise, not profile changes. */
export const IDENTITY_FIELDS: ReadonlySet<CanonicalField> = new Set(['userId', 'resellerId', 'serviceProviderId', 'groupId', 'isEnterprise']);

// Elements whose values are secrets are recognised by name, for every element, in
// observability/redaction.ts (isSecretElementName): never logged, masked in every stored copy.

/** Credentials may travel in the document when the Authorization header is absent. */
export const DOCUMENT_CREDENTIAL_ELEMENTS = { userId: 'provisioningUserId', password: 'provisioningPassword' } as const;

export const ROOT_ELEMENT = 'BroadsoftDocument';
export const COMMAND_ELEMENT = 'command';
export const SESSION_ELEMENT = 'sessionId';

const BY_TYPE = new Map<string, CommandSpec>();
for (const spec of COMMAND_TABLE) {
  BY_TYPE.set(spec.type, spec);
  for (const alias of spec.aliases) BY_TYPE.set(alias, spec);
}

/** The spec for an `xsi:type` value (`c:UserAddRequest` → add), or undefined. */
export function commandSpecFor(xsiType: string): CommandSpec | undefined {
  const colon = xsiType.indexOf(':');
  return BY_TYPE.get(colon < 0 ? xsiType : xsiType.slice(colon + 1));
}

export function canonicalFieldFor(elementName: string): CanonicalField | undefined {
  if (Object.prototype.hasOwnProperty.call(FIELD_ALIASES, elementName)) return FIELD_ALIASES[elementName];
  return (CANONICAL_FIELDS as readonly string[]).includes(elementName) ? (elementName as CanonicalField) : undefined;
}
