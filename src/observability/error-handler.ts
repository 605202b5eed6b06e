import type { NextFunction, Request, Response } from 'express';
import { isImpbError } from '../errors';
import type { Logger } from './logger';

/**
 * Last-resort JSON error handler: logs the error with its stack, answers with the stable code
 * only — never internals. Inbound XML errors are answered by the inbound adapter itself.
 */
export function jsonErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string | undefined;
    const body = err as { status?: number; type?: string };
    if (isImpbError(err)) {
      if (err.status >= 500) logger.error('request failed', { err, method: req.method, path: req.path });
      res.status(err.status).json({ error: err.toJSON(), requestId });
      return;
    }
    if (body && typeof body.status === 'number' && body.status >= 400 && body.status < 500) {
      // body-parser and friends: a client mistake, not ours.
      res.status(body.status).json({ error: { code: 'IMPB_ERR_VALIDATION', message: body.type ?? 'bad request' }, requestId });
      return;
    }
    logger.error('unhandled error', { err, method: req.method, path: req.path });
    if (res.headersSent) return;
    res.status(500).json({ error: { code: 'IMPB_ERR_INTERNAL', message: 'internal error' }, requestId });
  };
}
