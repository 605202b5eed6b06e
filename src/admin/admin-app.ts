import express, { type Router } from 'express';
import type { Logger } from '../observability';
import { jsonErrorHandler } from '../observability/error-handler';
import { requestContextMiddleware } from '../observability/http-context';
import { createHealthRoutes, type ReadinessCheck } from './health-routes';

export interface AdminAppDeps {
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Routers mounted after health (admin API under /api/v1, /metrics). */
  routers?: Router[];
}

export function createAdminApp(deps: AdminAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContextMiddleware());
  app.use(createHealthRoutes(deps.readiness));
  for (const router of deps.routers ?? []) app.use(router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'IMPB_ERR_NOT_FOUND', message: 'not found' } });
  });
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
