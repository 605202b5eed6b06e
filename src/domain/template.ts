export type TargetApi = 'broadworks' | 'wholesale';

/**
 * The shapes below are the domain's own (the domain imports nothing); `config/schema.ts` checks
 * at compile time that its zod schemas produce exactly these, so the two cannot drift apart.
 */
export interface ClusterDefinition {
  name: string;
  description: string;
  /** AS/XSP host names or addresses of the cluster. */
  hosts: string[];
  /** Accepted client certificates: subject CN and SAN patterns (* wildcard), SHA-256 fingerprints. */
  identityRules: { subjectCn: string[]; san: string[]; fingerprints: string[] };
  /** Accepted source addresses (exact IP or CIDR). */
  sourceAddresses: string[];
}

/** How a Wholesale customer is created for a new enterprise ({enterpriseId} is replaced in names). */
export interface WholesaleOnboarding {
  customerName?: string;
  primaryEmail?: string;
  packages: string[];
  address?: {
    addressLine1: string;
    addressLine2?: string;
    city: string;
    stateOrProvince?: string;
    zipOrPostalCode?: string;
    country: string;
  };
  language?: string;
  callingLocation?: { name: string; timezone?: string; language?: string };
  locationId?: string;
  provisioningId?: string;
}

/** A customer template as configured, without its provisioning account. */
/** provision: imp-bridge drives Webex; relay: forward to the upstream unchanged; shadow: relay and check the dialect. */
export const TEMPLATE_MODES = ['provision', 'relay', 'shadow'] as const;
export type TemplateMode = (typeof TEMPLATE_MODES)[number];

/** Where a relay or shadow template forwards to (validated by templates/upstream-settings.ts). */
export interface UpstreamDefinition {
  url: string;
  auth: 'passthrough' | 'basic';
  username?: string;
  /** A secret: never logged, never shown. */
  password?: string;
  ca?: string;
  clientCert?: string;
  /** A secret: never logged, never shown. */
  clientKey?: string;
  timeoutMs: number;
  forwardedFor: boolean;
  record: boolean;
  onFailure: 'passthrough' | 'queue';
}

export interface TemplateDefinition {
  name: string;
  enabled: boolean;
  targetApi: TargetApi;
  provisioningId: string;
  package: string;
  trustedEmail: boolean;
  cluster?: string;
  enterpriseMode: boolean;
  /** e.g. {serviceProviderId}+{groupId} */
  enterpriseIdPattern?: string;
  language?: string;
  timeZone?: string;
  languageMap?: Record<string, string>;
  recordMode: boolean;
  wholesale?: WholesaleOnboarding;
  mode: TemplateMode;
  upstream?: UpstreamDefinition;
}

/** Webex for BroadWorks subscriber packages (Subscriber.package enum of the official spec). */
export const BROADWORKS_PACKAGES = ['softphone', 'basic', 'standard', 'premium'] as const;

/**
 * Wholesale subscriber packages (WholesalePackagesSubscriber of webex-wholesale.json): what the
 * templates accept and the built-in simulator's Wholesale routes check, one list for both
 * (test/admin/template-rules.test.ts checks this and the two below against the official files).
 */
export const WHOLESALE_SUBSCRIBER_PACKAGES = [
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
] as const;

/** WholesalePackagesCustomer: what a Wholesale customer may be onboarded with. */
export const WHOLESALE_CUSTOMER_PACKAGES = [
  'common_area_calling',
  'webex_calling',
  'webex_meetings',
  'webex_suite',
  'webex_voice',
  'cx_essentials',
  'webex_calling_standard',
  'cisco_calling_plan',
  'attendant_console',
  'cx_premium_agent',
  'cx_standard_agent',
  'cx_voice_ports',
  'cx_ai_assistant',
  'webex_ai_agent',
] as const;

/** A template as stored: the provisioning password only as a scrypt hash. */
export type Template = Omit<TemplateDefinition, 'mode'> & {
  account: { username: string; passwordHash: string };
  /** Absent on templates stored before modes existed: provision. */
  mode?: TemplateMode;
  /** Epoch ms (set by the store). */
  createdAt?: number;
  /** Epoch ms (set by the store). */
  updatedAt?: number;
};

/** createdAt/updatedAt: epoch ms (set by the store). */
export type Cluster = ClusterDefinition & { createdAt?: number; updatedAt?: number };

/**
 * The enterprise identity Webex knows the user's customer by (spEnterpriseId), following
 * the template's mode: enterprise mode → serviceProviderId (prefixed "reseller+"), group
 * mode → serviceProviderId+groupId, or the template's own pattern.
 */
export function enterpriseIdFor(
  template: Pick<Template, 'enterpriseMode' | 'enterpriseIdPattern'>,
  ids: { serviceProviderId: string; groupId?: string; resellerId?: string },
): string {
  if (template.enterpriseIdPattern) {
    return template.enterpriseIdPattern.replace(/\{(serviceProviderId|groupId|resellerId)\}/g, (_, key: string) =>
      String((ids as Record<string, string | undefined>)[key] ?? ''),
    );
  }
  if (template.enterpriseMode) {
    return ids.resellerId ? `${ids.resellerId}+${ids.serviceProviderId}` : ids.serviceProviderId;
  }
  return `${ids.serviceProviderId}+${ids.groupId ?? ''}`;
}

/** provision (imp-bridge drives Webex), relay (forward unchanged) or shadow (relay + dialect check, dry run). */
export function templateMode(template: Pick<Template, 'mode'>): TemplateMode {
  return template.mode ?? 'provision';
}
