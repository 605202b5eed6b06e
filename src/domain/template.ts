import type { ClusterConfig, TemplateConfig, TemplateMode } from '../config/schema';

export type TargetApi = 'broadworks' | 'wholesale';

/** Webex for BroadWorks subscriber packages (Subscriber.package enum of the official spec). */
export const BROADWORKS_PACKAGES = ['softphone', 'basic', 'standard', 'premium'] as const;

/** A template as stored: the provisioning password only as a scrypt hash. */
export type Template = Omit<TemplateConfig, 'account' | 'mode'> & {
  account: { username: string; passwordHash: string };
  /** Absent on templates stored before modes existed: provision. */
  mode?: TemplateMode;
  createdAt?: string;
  updatedAt?: string;
};

export type Cluster = ClusterConfig & { createdAt?: string; updatedAt?: string };

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
