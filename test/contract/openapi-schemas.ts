import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The official Webex OpenAPI files live outside the repository (../shared/specs/webex, never
 * copied in). IMPB_WEBEX_SPECS_DIR overrides the location.
 */
export function findSpecsDir(): string | undefined {
  const candidates = [
    process.env.IMPB_WEBEX_SPECS_DIR,
    path.resolve(__dirname, '../../../shared/specs/webex'),
    path.resolve(__dirname, '../../..', 'shared/specs/webex'),
    path.resolve(process.cwd(), '../shared/specs/webex'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'webex-broadworks.json')) && fs.existsSync(path.join(dir, 'webex-wholesale.json')));
}

type Json = Record<string, unknown>;

interface Operation {
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

export interface SpecValidator {
  /** Validates a request body; objects with declared properties get additionalProperties: false (no invented fields). */
  request(specPath: string, method: string, body: unknown): string[];
  /** Validates a response body; undefined when the spec declares no JSON body for that status. */
  response(specPath: string, method: string, status: number, body: unknown): string[] | undefined;
  hasOperation(specPath: string, method: string): boolean;
}

/** OpenAPI 3.0 → JSON Schema for ajv: $refs re-pointed at the spec document, `nullable` converted. */
function convert(node: unknown, specId: string, closeObjects: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, specId, closeObjects));
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out.$ref = `${specId}${value}`;
    else if (key === 'properties' && typeof value === 'object' && value !== null) {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, convert(v, specId, closeObjects)]));
    } else out[key] = convert(value, specId, closeObjects);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
  }
  if (closeObjects && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export function loadSpecValidator(dir: string): SpecValidator {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const operations = new Map<string, { op: Operation; specId: string }>();
  for (const file of ['webex-broadworks.json', 'webex-wholesale.json']) {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { paths: Record<string, Record<string, Operation>>; components: Json };
    const specId = `https://impb.test/${file}`;
    ajv.addSchema({ $id: specId, components: convert(spec.components, specId, false) } as Json);
    for (const [p, methods] of Object.entries(spec.paths)) {
      if (!/^\/(broadworks|wholesale)\/(subscribers|customers)/.test(p)) continue;
      for (const [m, op] of Object.entries(methods)) operations.set(`${m.toUpperCase()} ${p}`, { op, specId });
    }
  }
  const cache = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Json) => {
    let fn = cache.get(key);
    if (!fn) {
      fn = ajv.compile(schema);
      cache.set(key, fn);
    }
    return fn;
  };
  const run = (fn: ValidateFunction, body: unknown) =>
    fn(body) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  const get = (specPath: string, method: string) => {
    const found = operations.get(`${method.toUpperCase()} ${specPath}`);
    if (!found) throw new Error(`the spec has no operation ${method} ${specPath}`);
    return found;
  };
  return {
    hasOperation: (specPath, method) => operations.has(`${method.toUpperCase()} ${specPath}`),
    request(specPath, method, body) {
      const { op, specId } = get(specPath, method);
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`${method} ${specPath} has no JSON request body in the spec`);
      return run(compile(`req ${method} ${specPath}`, convert(schema, specId, true) as Json), body);
    },
    response(specPath, method, status, body) {
      const { op, specId } = get(specPath, method);
      const schema = op.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (!schema) return undefined;
      return run(compile(`res ${method} ${specPath} ${status}`, convert(schema, specId, false) as Json), body);
    },
  };
}

/** /v1/broadworks/subscribers/Y2lz…?max=2 → /broadworks/subscribers/{subscriberId} */
export function specPathOf(requestPath: string): string {
  const pathname = requestPath.split('?')[0]!.replace(/^\/v1/, '');
  const [, area, resource, id] = pathname.split('/');
  if (id === undefined) return `/${area}/${resource}`;
  if (id === 'validate') return `/${area}/${resource}/validate`;
  return `/${area}/${resource}/{${resource === 'customers' ? 'customerId' : 'subscriberId'}}`;
}
