import type { CertificatesWiring } from '../../certs/wire-certificates';
import type { Config } from '../../config/schema';
import type { Store } from '../../store';
import type { WebexWiring } from '../../webex/wire-webex';
import { route, type ApiRoute } from '../api-route';
import { runDoctor, type DoctorDeps } from '../../operations/doctor';

export interface DoctorRouteDeps {
  config: Config;
  store: Store;
  version: string;
  provisioningBaseUrl: string;
  certs: CertificatesWiring;
  webex: WebexWiring;
}

/** The doctor's view of the running proxy (the token source read at each call: it may change on refresh). */
export function doctorDepsFrom(rt: DoctorRouteDeps): DoctorDeps {
  const w = rt.webex;
  return {
    config: rt.config,
    store: rt.store,
    version: rt.version,
    provisioningBaseUrl: () => rt.provisioningBaseUrl,
    certs: rt.certs.manager,
    get webex() {
      return { simulated: w.simulated, baseUrl: w.baseUrl, client: w.client, tokenSource: w.tokenStatus().source };
    },
  };
}

/** GET /doctor: every operator check with its fix; `imp-bridge doctor` prints it. */
export function doctorRoutes(rt: DoctorRouteDeps): ApiRoute[] {
  const deps = doctorDepsFrom(rt);
  return [
    route({
      method: 'get',
      path: '/doctor',
      tag: 'operations',
      summary: 'check listeners, certificates, trust, Webex credentials, clock skew, queue, store and disk; each finding with its fix',
      description: 'Always 200: `status` is the worst check (ok, warn, fail). The CLI exits 1 when any check fails, 0 otherwise.',
      handler: async ({ req }) => runDoctor(deps, { adminAddress: { address: req.socket.localAddress, port: req.socket.localPort } }),
    }),
  ];
}
