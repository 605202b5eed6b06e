import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { presentTimes } from '../domain';
import { ImpbError } from '../errors';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/**
 * One admin API operation: its schemas validate the request and generate the OpenAPI
 * document (src/admin/openapi.ts), so the documentation is the validation.
 */
export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** Express path relative to /api/v1, e.g. /templates/:name */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Status of a successful answer (200 unless said otherwise). */
  status?: number;
  /** Extra documented error answers (400/401/500 are always documented). */
  errors?: number[];
  /** Returns the JSON answer (record times are rendered as ISO text by presentTimes); a handler that answers itself returns undefined after writing. */
  handler: (input: ApiInput<P, Q, B>) => unknown;
}

export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(definition: ApiRoute<P, Q, B>): ApiRoute {
  return definition as unknown as ApiRoute;
}

/** 400 IMPB_ERR_VALIDATION listing every wrong field as `where.path: message`. */
export function validationError(issues: Array<{ where: string; error: z.ZodError }>): ImpbError {
  const problems = issues.flatMap(({ where, error }) => error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })));
  return new ImpbError('IMPB_ERR_VALIDATION', {
    message: `invalid request: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    details: { problems },
  });
}

export function buildApiRouter(routes: ApiRoute[]): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));
  for (const r of routes) {
    const handler: RequestHandler = async (req, res) => {
      const issues: Array<{ where: string; error: z.ZodError }> = [];
      const parse = <T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T => {
        if (!schema) return value as T;
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        issues.push({ where, error: result.error });
        return undefined as T;
      };
      const params = parse(r.params, req.params, 'params');
      const query = parse(r.query, { ...(req.query as object) }, 'query');
      const body = parse(r.body, req.body ?? {}, 'body');
      if (issues.length) throw validationError(issues);
      const answer = await r.handler({ params, query, body, req, res });
      // The one edge of the API: the port's epoch-ms record times answer as ISO-8601 text.
      if (!res.headersSent) res.status(r.status ?? 200).json(presentTimes(answer ?? {}));
    };
    router[r.method](r.path, handler);
  }
  return router;
}
