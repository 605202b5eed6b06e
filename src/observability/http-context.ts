import type { NextFunction, Request, Response } from 'express';
import { newRequestId, runWithRequestContext } from './request-context';

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request a request id (a safe incoming X-Request-Id is kept), echoes it, and
 * runs the rest of the chain inside its async context so every log line carries it.
 */
export function requestContextMiddleware() {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : newRequestId();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    // The CLI says so, so the audit trail can tell its changes from other API callers'.
    const actor = req.get('x-impb-actor') === 'cli' ? 'cli' : undefined;
    runWithRequestContext({ requestId, ...(actor ? { actor } : {}) }, () => next());
  };
}
