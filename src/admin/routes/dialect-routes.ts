import { z } from 'zod';
import { ImpbError } from '../../errors';
import type { InboundWiring } from '../../inbound/wire-inbound';
import type { Store } from '../../store';
import { route, type ApiRoute } from '../api-route';

interface DialectRouteDeps {
  store: Store;
  inbound: Pick<InboundWiring, 'coverage' | 'dialect' | 'replay'>;
}

/** The dialect as the running proxy reads it: coverage from shadow mode, and the extensions in force. */
export function dialectRoutes(rt: DialectRouteDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/dialect/coverage',
      tag: 'operations',
      summary:
        'dialect coverage from shadow mode: per command type and element, understood / not, first and last seen, one masked example per unknown shape, and the verdict',
      query: z.object({
        template: z.string().max(64).optional().describe('one template (default: all)'),
        since: z.string().max(16).optional().describe('window, e.g. 7d, 36h, 90m (default 7d)'),
      }),
      errors: [400],
      handler: async ({ query }) => {
        if (query.template && !(await rt.store.templates.get(query.template))) {
          throw new ImpbError('IMPB_ERR_VALIDATION', {
            message: `template: no template "${query.template}"`,
            details: { template: query.template },
          });
        }
        return rt.inbound.coverage({ template: query.template, since: query.since });
      },
    }),
    route({
      method: 'post',
      path: '/unknown-requests/replay',
      tag: 'inbound',
      summary:
        'replay stored unknown requests with the dialect extensions now in force: a dry run unless apply=true; each stored request is replayed at most once, and audited',
      body: z.strictObject({
        template: z.string().max(64).optional().describe("only this template's requests"),
        ids: z.array(z.number().int().positive()).max(1000).optional().describe('only these stored requests'),
        apply: z.boolean().default(false).describe('accept them (default: dry run)'),
      }),
      errors: [400],
      handler: async ({ body }) => rt.inbound.replay({ template: body.template, ids: body.ids, apply: body.apply }),
    }),
    route({
      method: 'get',
      path: '/dialect/extensions',
      tag: 'operations',
      summary: 'the dialect extensions in force (command-type and element aliases, ignored elements, answer variant)',
      handler: () => rt.inbound.dialect.current().extensions,
    }),
  ];
}
