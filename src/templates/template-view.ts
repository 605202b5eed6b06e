import type { Config } from '../config/schema';
import type { Template } from '../domain';

/** A template as shown to operators: never the password hash, always the URL to paste on the AS. */
export type TemplateView = Omit<Template, 'account'> & {
  account: { username: string; passwordSet: boolean };
  provisioningUrl: string;
};

export function provisioningUrlFor(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/provisioning/v1/${encodeURIComponent(name)}`;
}

export function toTemplateView(template: Template, baseUrl: string): TemplateView {
  const { account, ...rest } = template;
  return {
    ...rest,
    account: { username: account.username, passwordSet: Boolean(account.passwordHash) },
    provisioningUrl: provisioningUrlFor(baseUrl, template.name),
  };
}

/**
 * The base URL when the proxy is not running (CLI reading the store): the configured public
 * host name and port, as main.ts would compute them.
 */
export function provisioningBaseUrlFromConfig(config: Config): string {
  const { host, port, publicHostname } = config.provisioning;
  const name = publicHostname ?? (host === '0.0.0.0' || host === '::' ? 'localhost' : host);
  return `https://${name}:${port}`;
}
