import type { RequestHandler } from 'express';
import { ImpbError } from '../errors';
import { tokensEqual } from './admin-token';
import { CSRF_HEADER, type ConsoleSessions } from './console-session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer-token check in constant time; 401 with WWW-Authenticate otherwise. With console
 * sessions, a valid session cookie is accepted too, and then every mutation must carry the
 * session's CSRF token as a header (a cookie alone is what a forged cross-site request has).
 */
export function requireAdminToken(expected: string, sessions?: ConsoleSessions): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && expected && tokensEqual(match[1].trim(), expected)) {
      next();
      return;
    }
    let session;
    try {
      session = !match ? await sessions?.fromRequest(req) : undefined;
    } catch (err) {
      next(err);
      return;
    }
    if (session) {
      if (SAFE_METHODS.has(req.method) || tokensEqual(String(req.get(CSRF_HEADER) ?? ''), session.csrfToken)) {
        next();
        return;
      }
      next(
        new ImpbError('IMPB_ERR_ADMIN_FORBIDDEN', {
          message: `CSRF token missing or wrong: send the ${CSRF_HEADER} header the console login answered (reload the page)`,
        }),
      );
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="imp-bridge admin"');
    next(
      new ImpbError('IMPB_ERR_ADMIN_UNAUTHORIZED', {
        message: match
          ? 'admin token is wrong'
          : 'admin token missing: send Authorization: Bearer <token> (the token is in <dataDir>/admin-token unless configured)',
      }),
    );
  };
}
