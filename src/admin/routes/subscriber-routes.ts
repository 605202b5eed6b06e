import { JOB_STATES } from '../../domain/job-states';
import { z } from 'zod';
import { ImpbError } from '../../errors';
import { route, type ApiRoute } from '../api-route';
import { bulkRetryBodySchema, retryMatching } from '../../operations/bulk-retry';
import { listCustomers } from '../../operations/customer-list';
import { listWithTotal } from '../list-totals';
import { ndjsonOrJson } from '../ndjson-answer';
import { createSubscriberViews } from '../subscriber-views';
import type { AdminApiDeps } from './admin-api-deps';
import { idParams, limitSchema, offsetSchema, queryBoolean, userParams } from './query-schemas';

/** Subscribers, customers and the job queue. */
export function subscriberRoutes(deps: AdminApiDeps): ApiRoute[] {
  return [...userRoutes(deps), ...customerRoutes(deps), ...jobRoutes(deps)];
}

/** Subscribers: list, show, package change and resync. */
function userRoutes(deps: AdminApiDeps): ApiRoute[] {
  const views = createSubscriberViews(deps.store);
  return [
    route({
      method: 'get',
      path: '/subscribers',
      tag: 'subscribers',
      summary: 'list subscribers, filtered by status, enterprise, template, text',
      query: z.object({
        status: z.string().optional().describe('subscriber status, e.g. provisioned, error, pending_email_validation'),
        enterprise: z.string().optional().describe('enterprise id (spEnterpriseId / Wholesale externalId)'),
        template: z.string().optional(),
        q: z.string().optional().describe('text search over user id, email, first and last name, enterprise id'),
        limit: limitSchema,
        offset: offsetSchema,
      }),
      handler: async ({ query }) => {
        const { rows, total } = await listWithTotal((f) => views.list(f), {
          status: query.status,
          enterpriseId: query.enterprise,
          template: query.template,
          q: query.q,
          limit: query.limit ?? 100,
          offset: query.offset,
        });
        return { subscribers: rows, total };
      },
    }),
    route({
      method: 'get',
      path: '/subscribers/:userId',
      tag: 'subscribers',
      summary: 'one subscriber with its jobs and full timeline (events, audit, Webex calls)',
      params: userParams,
      errors: [404],
      handler: async ({ params }) => views.show(params.userId),
    }),
    route({
      method: 'post',
      path: '/subscribers/:userId/package',
      tag: 'subscribers',
      summary: 'change the subscriber’s package (queues a set_package job)',
      params: userParams,
      body: z.object({ package: z.string().min(1).describe('a package of the template’s target API') }).strict(),
      status: 202,
      errors: [404],
      handler: async ({ params, body }) => ({ job: await deps.jobs.setPackage(params.userId, body.package) }),
    }),
    route({
      method: 'post',
      path: '/subscribers/:userId/resync',
      tag: 'subscribers',
      summary: 'bring Webex in line with the proxy’s view of the user (queues a resync job)',
      params: userParams,
      status: 202,
      errors: [404],
      handler: async ({ params }) => ({ job: await deps.jobs.resync(params.userId) }),
    }),
  ];
}

/** Customers (Wholesale enterprises) as the store knows them. */
function customerRoutes(deps: AdminApiDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/customers',
      tag: 'customers',
      summary:
        'list customers (enterprises) known to the proxy: the Wholesale customer records; with withEnterprises=true also the enterprises of BroadWorks-target templates',
      query: z.object({
        template: z.string().optional(),
        status: z.string().optional(),
        limit: limitSchema,
        offset: offsetSchema,
        withEnterprises: queryBoolean.describe('also list the enterprises of BroadWorks-target templates, taken from their subscribers (status "broadworks")'),
      }),
      handler: async ({ query }) => {
        const { withEnterprises, ...filter } = query;
        const page = { ...filter, limit: filter.limit ?? 100 };
        const { rows, total } = withEnterprises ? await listCustomers(deps.store, page) : await listWithTotal((f) => deps.store.customers.list(f), page);
        return { customers: rows, total };
      },
    }),
    route({
      method: 'get',
      path: '/customers/:enterpriseId',
      tag: 'customers',
      summary: 'one customer with its subscriber counts by status',
      params: z.object({ enterpriseId: z.string().min(1) }),
      errors: [404],
      handler: async ({ params }) => {
        const customer = await deps.store.customers.get(params.enterpriseId);
        const subscribers = await deps.store.subscribers.list({ enterpriseId: params.enterpriseId, limit: 10_000 });
        if (!customer && subscribers.length === 0) {
          throw new ImpbError('IMPB_ERR_NOT_FOUND', { message: `no customer "${params.enterpriseId}"`, details: { enterpriseId: params.enterpriseId } });
        }
        const counts: Record<string, number> = {};
        for (const s of subscribers) counts[s.status] = (counts[s.status] ?? 0) + 1;
        return { customer: customer ?? { enterpriseId: params.enterpriseId, status: 'unknown (no customer record)' }, subscribers: counts };
      },
    }),
  ];
}

/** The job queue: list, show, retry and cancel. */
function jobRoutes(deps: AdminApiDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/jobs',
      tag: 'jobs',
      summary: 'list jobs (state=failed for the failed list)',
      query: z.object({
        state: z.enum(JOB_STATES).optional(),
        userId: z.string().optional(),
        template: z.string().optional(),
        limit: limitSchema,
        offset: offsetSchema,
      }),
      handler: async ({ query }) => {
        const { rows, total } = await listWithTotal((f) => deps.jobs.list(f), { ...query, limit: query.limit ?? 100 });
        return { jobs: rows, total };
      },
    }),
    route({
      method: 'post',
      path: '/jobs/retry',
      tag: 'jobs',
      summary: 'retry every job matching the filter (state, template, error code) through the single-job rules',
      description:
        'With `Accept: application/x-ndjson` the answer streams {"type":"progress","done","total"} lines and ends with {"type":"result","result":{matched,retried,skipped,failed}}.',
      body: bulkRetryBodySchema,
      handler: async ({ body, req, res }) =>
        ndjsonOrJson(req, res, (onProgress) => retryMatching({ store: deps.store, jobs: deps.jobs }, body, onProgress), 'result'),
    }),
    route({
      method: 'get',
      path: '/jobs/:id',
      tag: 'jobs',
      summary: 'one job',
      params: idParams,
      errors: [404],
      handler: async ({ params }) => deps.jobs.get(params.id),
    }),
    route({
      method: 'post',
      path: '/jobs/:id/retry',
      tag: 'jobs',
      summary: 'run a failed, cancelled or waiting job again now',
      params: idParams,
      errors: [404, 409],
      handler: async ({ params }) => ({ job: await deps.jobs.retry(params.id) }),
    }),
    route({
      method: 'post',
      path: '/jobs/:id/cancel',
      tag: 'jobs',
      summary: 'cancel a queued, waiting or polling job',
      params: idParams,
      errors: [404, 409],
      handler: async ({ params }) => ({ job: await deps.jobs.cancel(params.id) }),
    }),
  ];
}
