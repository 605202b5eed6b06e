/** The one rule for the host name in provisioning URLs, stated where the config table shows it. */
export const PUBLIC_HOSTNAME_DEFAULT_TEXT = 'localhost when provisioning.host is 0.0.0.0 or ::, else provisioning.host';

/**
 * The host name the AS is told to use: provisioning.publicHostname, else the listener address,
 * else (a wildcard listener) localhost — which no AS reaches, so template views warn about it.
 * The self-signed certificate names this host's name and localhost either way.
 */
export function effectivePublicHostname(provisioning: { host: string; publicHostname?: string }): string {
  const { host, publicHostname } = provisioning;
  if (publicHostname) return publicHostname;
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}
