import { Router, type RequestHandler } from 'express';
import { ImpbError } from '../errors';
import type { CertificatesWiring } from '../certs/wire-certificates';
import { isLoopbackHost, type Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import type { Logger, Registry } from '../observability';
import type { InboundWiring } from '../inbound/wire-inbound';
import type { PipelineWiring } from '../pipeline/wire-pipeline';
import type { Store } from '../store';
import { createTemplateService } from '../templates/template-service';
import type { WebexWiring } from '../webex/wire-webex';
import { requireAdminToken } from './admin-auth';
import { ensureAdminToken } from './admin-token';
import { buildApiRouter, type ApiRoute } from './api-route';
import { createJobActions } from '../operations/job-actions';
import { createMetricsRouter } from './metrics-route';
import { buildOpenApiDocument } from './openapi';
import { createAuthThrottle } from '../inbound/auth/auth-throttle';
import { createConsoleSessions } from './console-session';
import { createConsoleStaticRouter } from './console-static';
import { overviewRoutes } from './routes/overview-routes';
import { instanceRoutes, singleInstance, type DeploymentAdminDeps } from './routes/instance-routes';
import { asCliAndRevokeRoutes } from './routes/as-cli-revoke-routes';
import { certificateRoutes } from './routes/certificate-routes';
import type { AdminApiDeps } from './routes/admin-api-deps';
import { configRoutes } from './routes/config-routes';
import { dialectRoutes } from './routes/dialect-routes';
import { doctorRoutes } from './routes/doctor-routes';
import { importRoutes } from './routes/import-routes';
import { operationsRoutes } from './routes/operations-routes';
import { subscriberRoutes } from './routes/subscriber-routes';
import { registerStoreGauges } from './store-gauges';
import { findPartnerOrgId } from '../operations/support-report';

export interface AdminWiring {
  routers: Router[];
  close: Closer;
  /** Every documented operation (for tests and the CLI's help). */
  routes: ApiRoute[];
}

/**
 * The admin API under /api/v1 (bearer token), its OpenAPI document, /metrics, and the
 * collect-time store gauges. Health routes stay outside (createAdminApp mounts them first).
 */
export interface AdminDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Registry;
  version: string;
  certs: CertificatesWiring;
  webex: WebexWiring;
  pipeline: PipelineWiring;
  inbound: InboundWiring;
  /** Base URL the AS uses, e.g. https://bridge.example.net:8443 (the provisioning listener is up). */
  provisioningBaseUrl: string;
  /** Several instances on PostgreSQL: the instance list, shared sessions and failure counters. */
  deployment?: DeploymentAdminDeps;
}

export function wireAdmin(rt: AdminDeps): AdminWiring {
  const token = ensureAdminToken(rt.config);
  // Wrong console tokens meet the same brake, with the same settings, as wrong provisioning passwords.
  const { authFailureLimit, authFailureBaseDelayMs } = rt.config.provisioning;
  const deployment = rt.deployment ?? singleInstance(rt.version);
  const throttle = createAuthThrottle({ limit: authFailureLimit, baseDelayMs: authFailureBaseDelayMs });
  deployment.shareThrottle?.(throttle, 'console');
  const sessions = createConsoleSessions({ adminToken: token, throttle, store: deployment.sessions });
  const auth = requireAdminToken(token, sessions);
  const { store } = rt;
  const deps: AdminApiDeps = {
    store,
    templates: createTemplateService({
      store,
      provisioningBaseUrl: () => rt.provisioningBaseUrl,
      actor: 'admin-api',
      logger: rt.logger,
      coverage: async (template) => rt.inbound.coverage({ template }),
    }),
    jobs: createJobActions({ store, wake: () => rt.pipeline.wake(), actor: 'admin-api' }),
    webex: () => rt.webex.client,
    wake: () => rt.pipeline.wake(),
    version: rt.version,
    partnerOrgId: () => findPartnerOrgId({ store, webexToken: rt.config.webex.token, live: rt.webex.partnerOrgId }),
  };
  const routes = [
    ...configRoutes(deps),
    ...subscriberRoutes(deps),
    ...operationsRoutes(deps),
    ...asCliAndRevokeRoutes(deps),
    ...certificateRoutes({ manager: rt.certs.manager }),
    ...instanceRoutes(deployment),
    ...doctorRoutes(rt),
    ...importRoutes(rt),
    ...dialectRoutes(rt),
    ...overviewRoutes({
      store,
      metrics: rt.metrics,
      version: rt.version,
      certs: () => rt.certs.manager,
      instances: () => deployment.instances(),
      webex: () => rt.webex,
      expiryWarnDays: rt.config.tls.expiryWarnDays,
      expiryErrorDays: rt.config.tls.expiryErrorDays,
    }),
  ];
  const openapi = buildOpenApiDocument(routes, { version: rt.version });

  const api = Router();
  // The document holds no secret: open, so tools can fetch it without the token.
  api.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const v1 = Router();
  v1.use(auth);
  v1.use(buildApiRouter(routes));
  v1.use(((_req, _res, next) =>
    next(new ImpbError('IMPB_ERR_NOT_FOUND', { message: 'no such admin API operation (see /api/v1/openapi.json)' }))) as RequestHandler);
  api.use('/api/v1', v1);

  registerStoreGauges(rt.metrics, store);
  const metrics = createMetricsRouter(rt.metrics, isLoopbackHost(rt.config.admin.host) ? undefined : auth);
  return { routers: [api, metrics, sessions.router, createConsoleStaticRouter()], routes, close: () => undefined };
}
