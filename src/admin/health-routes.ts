import { Router } from 'express';

import type { ReadinessCheck } from '../lifecycle/readiness';

export type { ReadinessCheck };

/** GET /healthz (the process answers) and GET /readyz (every readiness check passes). */
export function createHealthRoutes(checks: ReadinessCheck[]): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results: Record<string, { ok: boolean; reason?: string }> = {};
    let ready = true;
    for (const { name, check } of checks) {
      let outcome: true | string;
      try {
        outcome = await check();
      } catch (err) {
        outcome = (err as Error).message;
      }
      results[name] = outcome === true ? { ok: true } : { ok: false, reason: outcome };
      if (outcome !== true) ready = false;
    }
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  return router;
}
