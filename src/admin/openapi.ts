import { z } from 'zod';
import type { ApiRoute } from './api-route';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'stable error code, e.g. IMPB_ERR_VALIDATION' },
        message: { type: 'string' },
        retryable: { type: 'boolean' },
        problems: {
          type: 'array',
          description: 'one entry per invalid field (validation errors)',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      additionalProperties: true,
    },
    requestId: { type: 'string' },
  },
};

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (IMPB_ERR_VALIDATION, one problem per field)',
  401: 'admin bearer token missing or wrong',
  404: 'not found',
  409: 'conflict or still in use',
  500: 'internal error',
  502: 'Webex failed',
  503: 'unavailable (Webex not wired, store closed)',
};

/** Path and query parameters, one per property of the object schema. */
function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema) as { properties?: Record<string, JsonSchema & { description?: string }>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...propSchema } = prop;
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      schema: propSchema,
      ...(description ? { description } : {}),
    };
  });
}

/** The OpenAPI 3.1 document of the admin API, built from the routes' own zod schemas. */
export function buildOpenApiDocument(routes: ApiRoute[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `/api/v1${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
    const status = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: { description: 'success', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
    };
    for (const code of [400, 401, ...(r.errors ?? []), 500]) {
      responses[String(code)] = {
        description: ERROR_TEXT[code] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const parametersList = [...parameters('path', r.params), ...parameters('query', r.query)];
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: `${r.method}${r.path.replace(/\/:?([A-Za-z0-9_-]+)/g, (_m, seg: string) => seg.charAt(0).toUpperCase() + seg.slice(1).replace(/-([a-z])/g, (_x, c: string) => c.toUpperCase()))}`,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(parametersList.length ? { parameters: parametersList } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'imp-bridge admin API',
      version: info.version,
      description:
        'Operator API of imp-bridge: clusters, templates, subscribers, customers, jobs, precheck, reconcile, support data. ' +
        'Every operation needs `Authorization: Bearer <admin token>` (config admin.token, or the file admin-token in the data dir).',
    },
    servers: [{ url: '/' }],
    security: [{ adminToken: [] }],
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'admin token' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
