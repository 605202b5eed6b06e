import type { RequestHandler } from 'express';
import { ImpbError } from '../errors';
import { tokensEqual } from './admin-token';

/** Bearer-token check in constant time; 401 with WWW-Authenticate otherwise. */
export function requireAdminToken(expected: string): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && expected && tokensEqual(match[1]!.trim(), expected)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="imp-bridge admin"');
    next(
      new ImpbError('IMPB_ERR_ADMIN_UNAUTHORIZED', {
        message: match ? 'admin token is wrong' : 'admin token missing: send Authorization: Bearer <token> (the token is in <dataDir>/admin-token unless configured)',
      }),
    );
  };
}

