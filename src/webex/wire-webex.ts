import type { ReadinessCheck } from '../admin/health-routes';
import type { Closer, Runtime } from '../runtime';

export interface WebexWiring {
  /** Base URL of the Webex API in use (the built-in simulator's when no credentials are set). */
  baseUrl: string | undefined;
  simulated: boolean;
  readiness: ReadinessCheck[];
  close: Closer;
}

export async function wireWebex(rt: Runtime): Promise<WebexWiring> {
  const { webex } = rt.config;
  const hasCredentials = Boolean(webex.token || webex.oauth || webex.serviceApp);
  const baseUrl = hasCredentials ? (webex.baseUrl ?? 'https://webexapis.com/v1') : undefined;
  return {
    baseUrl,
    simulated: !hasCredentials,
    readiness: [{ name: 'webex', check: () => (baseUrl ? true : 'no Webex target configured') }],
    close: () => undefined,
  };
}
