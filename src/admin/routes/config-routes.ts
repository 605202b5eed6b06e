import { z } from 'zod';
import { clusterCreateSchema, clusterPatchSchema, templateCreateSchema, templatePatchSchema } from '../../templates/template-schemas';
import { route, type ApiRoute } from '../api-route';
import type { AdminApiDeps } from './admin-api-deps';
import { nameParams, queryBoolean } from './query-schemas';

/** Clusters and templates (Partner Hub's concepts). */
export function configRoutes(deps: AdminApiDeps): ApiRoute[] {
  return [...clusterRoutes(deps), ...templateRoutes(deps)];
}

/** Clusters: the AS groups a template's client identity is checked against. */
function clusterRoutes(deps: AdminApiDeps): ApiRoute[] {
  const t = deps.templates;
  return [
    route({ method: 'get', path: '/clusters', tag: 'clusters', summary: 'list clusters', handler: async () => ({ clusters: await t.listClusters() }) }),
    route({
      method: 'get',
      path: '/clusters/:name',
      tag: 'clusters',
      summary: 'one cluster and the templates that use it',
      params: nameParams,
      errors: [404],
      handler: async ({ params }) => t.getCluster(params.name),
    }),
    route({
      method: 'post',
      path: '/clusters',
      tag: 'clusters',
      summary: 'create a cluster',
      body: clusterCreateSchema,
      status: 201,
      errors: [409],
      handler: async ({ body }) => t.createCluster(body),
    }),
    route({
      method: 'patch',
      path: '/clusters/:name',
      tag: 'clusters',
      summary: 'edit a cluster (only the fields sent change)',
      params: nameParams,
      body: clusterPatchSchema,
      errors: [404],
      handler: async ({ params, body }) => t.updateCluster(params.name, body),
    }),
    route({
      method: 'delete',
      path: '/clusters/:name',
      tag: 'clusters',
      summary: 'delete a cluster (refused while a template references it; the refusal names the templates)',
      params: nameParams,
      errors: [404, 409],
      handler: async ({ params }) => t.deleteCluster(params.name),
    }),
  ];
}

/** Templates: one per customer kind, with its provisioning account. */
function templateRoutes(deps: AdminApiDeps): ApiRoute[] {
  const t = deps.templates;
  return [
    route({ method: 'get', path: '/templates', tag: 'templates', summary: 'list templates', handler: async () => ({ templates: await t.listTemplates() }) }),
    route({
      method: 'get',
      path: '/templates/:name',
      tag: 'templates',
      summary: 'one template with its provisioning URL (never the password)',
      params: nameParams,
      errors: [404],
      handler: async ({ params }) => t.getTemplate(params.name),
    }),
    route({
      method: 'post',
      path: '/templates',
      tag: 'templates',
      summary: 'create a template; without account.password a 20-character one is generated and returned once',
      body: templateCreateSchema,
      status: 201,
      errors: [409],
      handler: async ({ body }) => t.createTemplate(body),
    }),
    route({
      method: 'patch',
      path: '/templates/:name',
      tag: 'templates',
      summary:
        'edit a template; an empty or absent account.password keeps the current one; leaving relay/shadow for provision is refused while the dialect coverage shows gaps, unless force=true',
      params: nameParams,
      query: z.object({ force: queryBoolean.describe('switch to provision mode although the dialect coverage shows gaps') }),
      body: templatePatchSchema,
      errors: [404, 409],
      handler: async ({ params, body, query }) => t.updateTemplate(params.name, body, { force: query.force }),
    }),
    route({
      method: 'delete',
      path: '/templates/:name',
      tag: 'templates',
      summary: 'delete a template; refused while it has pending or active subscribers unless force=true (the answer says what happens to them)',
      params: nameParams,
      query: z.object({ force: queryBoolean.describe('delete although subscribers are pending or active') }),
      errors: [404, 409],
      handler: async ({ params, query }) => t.deleteTemplate(params.name, { force: query.force }),
    }),
  ];
}
