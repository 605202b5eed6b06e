import express, { type Router } from 'express';
import type { Logger } from '../observability';
import { jsonErrorHandler } from '../observability/error-handler';
import { requestContextMiddleware } from '../observability/http-context';

export interface ProvisioningAppDeps {
  logger: Logger;
  /** The flow-through routes (POST /provisioning/v1/:template …). */
  routers?: Router[];
}

/** The express app behind the mTLS listener: provisioning routes only, never admin routes. */
export function createProvisioningApp(deps: ProvisioningAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContextMiddleware());
  for (const router of deps.routers ?? []) app.use(router);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use(jsonErrorHandler(deps.logger));
  return app;
}
