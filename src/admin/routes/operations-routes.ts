import { z } from 'zod';
import { presentTimes } from '../../domain';
import { ImpbError } from '../../errors';
import type { WebexProvisioningApi } from '../../pipeline/webex-port';
import { route, type ApiRoute } from '../api-route';
import { runPrecheck } from '../../operations/precheck';
import { reconcile } from '../../operations/reconcile';
import { buildSupportReport } from '../../operations/support-report';
import type { AdminApiDeps } from './admin-api-deps';
import { limitSchema, queryBoolean } from './query-schemas';

export const reconcileBodySchema = z
  .object({
    enterprise: z.string().min(1).optional().describe('only this enterprise'),
    template: z.string().min(1).optional().describe('only this template'),
    repair: z.boolean().default(false).describe('queue the fixing jobs (resync for missing and error)'),
    unassignUnknown: z
      .boolean()
      .default(false)
      .describe('with repair: also queue unassign jobs for subscribers Webex has and the proxy believes unassigned (default: report only)'),
  })
  .strict()
  .refine((b) => !b.unassignUnknown || b.repair, { path: ['unassignUnknown'], message: 'only together with repair: unassigning is a repair' });

export const precheckBodySchema = z
  .object({
    userId: z.string().min(1),
    template: z.string().min(1).optional().describe('default: the template of the tracked user'),
    email: z.string().email().optional().describe('override the email the proxy holds'),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    enterpriseId: z.string().optional().describe('needed when the proxy has not seen the user'),
  })
  .strict();

/** Webex-facing operations (precheck, reconcile), support data, unknown requests. */
export function operationsRoutes(deps: AdminApiDeps): ApiRoute[] {
  const webex = (): WebexProvisioningApi => {
    const client = deps.webex();
    if (!client) throw new ImpbError('IMPB_ERR_WEBEX_UNAVAILABLE', { message: 'the Webex client is not wired in this process' });
    return client;
  };
  return [
    route({
      method: 'post',
      path: '/precheck',
      tag: 'webex',
      summary: 'call Webex precheck with what the proxy would send for the user',
      body: precheckBodySchema,
      errors: [404, 503],
      handler: async ({ body }) => runPrecheck({ store: deps.store, webex: webex() }, body),
    }),
    route({
      method: 'post',
      path: '/reconcile',
      tag: 'webex',
      summary: 'compare assigned users with Webex; report missing, unknown and error subscribers; with repair, queue fixing jobs',
      description:
        'With `Accept: application/x-ndjson` the answer streams one JSON line per unit done ({"type":"progress","done","total","unit"}) and ends with {"type":"report","report":{…}}.',
      body: reconcileBodySchema,
      errors: [503],
      handler: async ({ body, req, res }) => {
        const client = webex();
        const run = (onProgress?: Parameters<typeof reconcile>[2]) => reconcile({ store: deps.store, webex: client, wake: deps.wake }, body, onProgress);
        if (!String(req.headers.accept ?? '').includes('application/x-ndjson')) return run();
        res.status(200).setHeader('content-type', 'application/x-ndjson');
        res.flushHeaders();
        try {
          const report = await run((p) => res.write(`${JSON.stringify({ type: 'progress', ...p })}\n`));
          res.end(`${JSON.stringify({ type: 'report', report: presentTimes(report) })}\n`);
        } catch (err) {
          const e = err instanceof ImpbError ? err : new ImpbError('IMPB_ERR_INTERNAL', { cause: err });
          res.end(`${JSON.stringify({ type: 'error', error: e.toJSON() })}\n`);
        }
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/support/:key',
      tag: 'support',
      summary: 'facts for a Cisco service request about a user id or an enterprise (secrets redacted)',
      params: z.object({ key: z.string().min(1).describe('BroadWorks user id or enterprise id') }),
      query: z.object({ limit: limitSchema }),
      errors: [404],
      handler: async ({ params, query }) =>
        buildSupportReport({ store: deps.store, version: deps.version, partnerOrgId: deps.partnerOrgId }, params.key, { limit: query.limit }),
    }),
    route({
      method: 'get',
      path: '/unknown-requests',
      tag: 'inbound',
      summary: 'requests the dialect table did not know (stored verbatim, passwords masked), newest first',
      query: z.object({ kind: z.enum(['unknown', 'recorded']).optional(), limit: limitSchema, withBody: queryBoolean.describe('include the masked bodies') }),
      handler: async ({ query }) => {
        const rows = await deps.store.unknownRequests.list({ kind: query.kind ?? 'unknown', limit: query.limit ?? 100 });
        const total = await deps.store.unknownRequests.count(query.kind ?? 'unknown');
        return { unknownRequests: query.withBody ? rows : rows.map(({ body: _b, response: _r, ...rest }) => rest), total };
      },
    }),
  ];
}
