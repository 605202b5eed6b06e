import type { Runtime } from '../../runtime';
import { route, type ApiRoute } from '../api-route';
import { runDoctor, type DoctorDeps } from '../doctor';

/** The doctor's view of the running proxy (everything read lazily: parts may be re-wired). */
export function doctorDepsFrom(rt: Runtime): DoctorDeps {
  return {
    config: rt.config,
    store: rt.store,
    version: rt.version,
    provisioningBaseUrl: () => rt.provisioningBaseUrl,
    get certs() {
      return rt.certs?.manager;
    },
    get webex() {
      const w = rt.webex;
      return w ? { simulated: w.simulated, baseUrl: w.baseUrl, client: w.client, tokenSource: w.tokenStatus().source } : undefined;
    },
  };
}

/** GET /doctor: every operator check with its fix; `imp-bridge doctor` prints it. */
export function doctorRoutes(rt: Runtime): ApiRoute[] {
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
