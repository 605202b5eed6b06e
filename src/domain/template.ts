import type { ClusterConfig, TemplateConfig } from '../config/schema';

export type TargetApi = 'broadworks' | 'wholesale';

/** Webex for BroadWorks subscriber packages (Subscriber.package enum of the official spec). */
export const BROADWORKS_PACKAGES = ['softphone', 'basic', 'standard', 'premium'] as const;

/** A template as stored: the provisioning password only as a scrypt hash. */
export type Template = Omit<TemplateConfig, 'account'> & {
  account: { username: string; passwordHash: string };
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
