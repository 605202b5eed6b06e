import { Router, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';

/**
 * GET /metrics in Prometheus text format. On a loopback admin listener it is open (a local
 * scraper or sidecar); on any other address it needs the admin bearer token like the API.
 */
export function createMetricsRouter(registry: Registry, auth: RequestHandler | undefined): Router {
  const router = Router();
  const handlers: RequestHandler[] = auth ? [auth] : [];
  router.get('/metrics', ...handlers, async (_req, res) => {
    const text = await registry.metrics();
    res.setHeader('content-type', registry.contentType);
    res.send(text);
  });
  return router;
}
