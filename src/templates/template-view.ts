import { effectivePublicHostname } from '../config/public-hostname';
import { isLoopbackHost, type Config } from '../config/schema';
import type { Template } from '../domain';

/** A template as shown to operators: never the password hash, always the URL to paste on the AS. */
/** An upstream as shown: its secrets only as "set". */
export type UpstreamView = Omit<NonNullable<Template['upstream']>, 'password' | 'clientKey'> & { passwordSet?: true; clientKeySet?: true };

export type TemplateView = Omit<Template, 'account' | 'upstream'> & {
  account: { username: string; passwordSet: boolean };
  upstream?: UpstreamView;
  provisioningUrl: string;
  /** What makes the URL unusable on an AS (present only when something does). */
  warnings?: string[];
};

export function provisioningUrlFor(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/provisioning/v1/${encodeURIComponent(name)}`;
}

/**
 * A listener on 0.0.0.0 without provisioning.publicHostname yields https://localhost:…, which
 * no Application Server can reach: the operator must be told rather than paste it.
 */
export function provisioningUrlWarnings(baseUrl: string): string[] {
  let host: string;
  try {
    host = new URL(baseUrl).hostname;
  } catch {
    return [];
  }
  if (!isLoopbackHost(host.toLowerCase().replace(/^\[(.*)\]$/, '$1'))) return [];
  return [
    `the provisioning URL names ${host}, which an Application Server cannot reach: set provisioning.publicHostname ` +
      '(or IMP_BRIDGE_PUBLIC_HOSTNAME) to the host name the AS uses to reach this proxy',
  ];
}

/** The upstream as shown: never its password or client key, only whether they are set. */
function upstreamView(upstream: NonNullable<Template['upstream']>): UpstreamView {
  const { password, clientKey, ...rest } = upstream;
  return { ...rest, ...(password ? { passwordSet: true } : {}), ...(clientKey ? { clientKeySet: true } : {}) };
}

export function toTemplateView(template: Template, baseUrl: string): TemplateView {
  const { account, upstream, ...rest } = template;
  const warnings = provisioningUrlWarnings(baseUrl);
  return {
    ...rest,
    mode: template.mode ?? 'provision',
    ...(upstream ? { upstream: upstreamView(upstream) } : {}),
    account: { username: account.username, passwordSet: Boolean(account.passwordHash) },
    provisioningUrl: provisioningUrlFor(baseUrl, template.name),
    ...(warnings.length ? { warnings } : {}),
  };
}

/**
 * The base URL of the provisioning listener: the configured public host name, and the port it
 * listens on (`port`: the one it bound; the CLI reading the store has only the configured one).
 */
export function provisioningBaseUrlFromConfig(config: Config, port = config.provisioning.port): string {
  return `https://${effectivePublicHostname(config.provisioning)}:${port}`;
}
