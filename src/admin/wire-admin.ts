import { Router, type RequestHandler } from 'express';
import { ImpbError } from '../errors';
import type { WebexProvisioningApi } from '../pipeline/webex-port';
import type { Closer, Runtime } from '../runtime';
import { createTemplateService } from '../templates/template-service';
import { provisioningBaseUrlFromConfig } from '../templates/template-view';
import { requireAdminToken, isLoopbackHost } from './admin-auth';
import { ensureAdminToken } from './admin-token';
import { buildApiRouter, type ApiRoute } from './api-route';
import { createJobActions } from './job-actions';
import { createMetricsRouter } from './metrics-route';
import { buildOpenApiDocument } from './openapi';
import type { AdminApiDeps } from './routes/admin-api-deps';
import { configRoutes } from './routes/config-routes';
import { operationsRoutes } from './routes/operations-routes';
import { subscriberRoutes } from './routes/subscriber-routes';
import { registerStoreGauges } from './store-gauges';
import { orgIdFromAccessToken } from './webex-ids';

export interface AdminWiring {
  routers: Router[];
  close: Closer;
  /** Every documented operation (for tests and the CLI's help). */
  routes: ApiRoute[];
}

/** Optional parts other engineers add to their wirings; read defensively. */
interface OptionalParts {
  webexClient?: WebexProvisioningApi;
  partnerOrgId?: string;
  wake?: () => void;
  certRoutes?: Router;
}

function optionalParts(rt: Runtime): OptionalParts {
  const webex = rt.webex as { client?: WebexProvisioningApi; partnerOrgId?: string } | undefined;
  const pipeline = rt.pipeline as { wake?: () => void } | undefined;
  const certs = rt.certs as { routes?: Router } | undefined;
  return { webexClient: webex?.client, partnerOrgId: webex?.partnerOrgId, wake: pipeline?.wake?.bind(pipeline), certRoutes: certs?.routes };
}

/**
 * The admin API under /api/v1 (bearer token), its OpenAPI document, /metrics, and the
 * collect-time store gauges. Health routes stay outside (createAdminApp mounts them first).
 */
export async function wireAdmin(rt: Runtime): Promise<AdminWiring> {
  const token = ensureAdminToken(rt.config);
  const auth = requireAdminToken(token);
  const { store } = rt;
  const deps: AdminApiDeps = {
    store,
    templates: createTemplateService({ store, provisioningBaseUrl: () => rt.provisioningBaseUrl ?? provisioningBaseUrlFromConfig(rt.config), actor: 'admin-api' }),
    jobs: createJobActions({ store, wake: () => optionalParts(rt).wake?.(), actor: 'admin-api' }),
    webex: () => optionalParts(rt).webexClient,
    wake: () => optionalParts(rt).wake?.(),
    version: rt.version,
    partnerOrgId: async () => {
      const fromWebex = optionalParts(rt).partnerOrgId;
      if (fromWebex) return { id: fromWebex, source: 'webex' };
      const stored = await store.settings.get('webex.partnerOrgId');
      if (stored) return { id: stored, source: 'store setting webex.partnerOrgId' };
      const fromToken = orgIdFromAccessToken(rt.config.webex.token);
      if (fromToken) return { id: fromToken, source: 'suffix of the configured Webex access token' };
      return { source: 'unknown: not reported by the Webex client (it is the org of the partner admin that issued the Webex credentials)' };
    },
  };
  const routes = [...configRoutes(deps), ...subscriberRoutes(deps), ...operationsRoutes(deps)];
  const openapi = buildOpenApiDocument(routes, { version: rt.version });

  const api = Router();
  // The document holds no secret: open, so tools can fetch it without the token.
  api.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const certRoutes = optionalParts(rt).certRoutes;
  const v1 = Router();
  v1.use(auth);
  v1.use(buildApiRouter(routes));
  if (certRoutes) v1.use(certRoutes);
  v1.use(((_req, _res, next) => next(new ImpbError('IMPB_ERR_NOT_FOUND', { message: 'no such admin API operation (see /api/v1/openapi.json)' }))) as RequestHandler);
  api.use('/api/v1', v1);

  registerStoreGauges(rt.metrics, store);
  const metrics = createMetricsRouter(rt.metrics, isLoopbackHost(rt.config.admin.host) ? undefined : auth);
  return { routers: [api, metrics], routes, close: () => undefined };
}
