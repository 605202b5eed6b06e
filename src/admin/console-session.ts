import { randomBytes, createHash } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ImpbError } from '../errors';
import { createAuthThrottle, type AuthThrottle } from '../inbound/auth/auth-throttle';
import { tokensEqual } from './admin-token';
import { validationError } from './api-route';

export const SESSION_COOKIE = 'impb_session';
export const CSRF_HEADER = 'x-csrf-token';
const DEFAULT_TTL_MS = 8 * 3_600_000;
const MAX_SESSIONS = 1_000;

export interface ConsoleSession {
  csrfToken: string;
  expiresAt: number;
}

/**
 * Console sessions: the admin bearer token is exchanged once for a random session id kept in
 * an HttpOnly cookie, plus a CSRF token the page sends as a header on every mutation. Only a
 * hash of the id is kept, in memory (a restart logs every operator out, which is the safe side),
 * or, with several instances, in the database, so that any instance behind the load balancer honours it.
 */
export interface ConsoleSessions {
  /** The live session behind the request's cookie, if any. */
  fromRequest(req: Request): Promise<ConsoleSession | undefined>;
  router: Router;
}

/** Where sessions are kept, by the hash of their id: memory (one instance) or the database (several, src/admin/pg-console-sessions.ts). */
export interface ConsoleSessionStore {
  get(idHash: string): Promise<ConsoleSession | undefined>;
  set(idHash: string, session: ConsoleSession): Promise<void>;
  delete(idHash: string): Promise<void>;
}

function memorySessions(now: () => number): ConsoleSessionStore {
  const sessions = new Map<string, ConsoleSession>();
  return {
    get: (idHash) => Promise.resolve(sessions.get(idHash)),
    set(idHash, session) {
      const t = now();
      for (const [key, s] of sessions) if (s.expiresAt <= t) sessions.delete(key);
      // Bounded memory: the oldest sessions go first.
      while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      sessions.set(idHash, session);
      return Promise.resolve();
    },
    delete: (idHash) => Promise.resolve(void sessions.delete(idHash)),
  };
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Secure only over TLS: a loopback plain-HTTP admin listener would otherwise never get its cookie back. */
function cookie(req: Request, value: string, maxAgeSeconds: number): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(req.secure ? ['Secure'] : [])].join('; ');
}

const loginBody = z.object({ token: z.string().min(1, 'paste the admin token (in <dataDir>/admin-token unless admin.token is configured)') }).strict();

export function createConsoleSessions(deps: {
  adminToken: string;
  ttlMs?: number;
  now?: () => number;
  /** The same brake as the provisioning password: delays after `limit` failures a minute, 429 at twice that. */
  throttle?: AuthThrottle;
  store?: ConsoleSessionStore;
}): ConsoleSessions {
  const now = deps.now ?? Date.now;
  const ttlMs = deps.ttlMs ?? DEFAULT_TTL_MS;
  const throttle = deps.throttle ?? createAuthThrottle({ limit: 5, baseDelayMs: 250, now });
  const sessions = deps.store ?? memorySessions(now);

  const fromRequest = async (req: Request): Promise<ConsoleSession | undefined> => {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return undefined;
    const session = await sessions.get(hashId(id));
    if (!session) return undefined;
    if (session.expiresAt <= now()) {
      await sessions.delete(hashId(id));
      return undefined;
    }
    return session;
  };

  const answer = (res: Response, s: ConsoleSession) => res.json({ csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() });

  const router = Router();
  router.use('/console/session', express.json({ limit: '16kb' }));
  router.get('/console/session', async (req, res) => {
    const s = await fromRequest(req);
    if (!s) throw new ImpbError('IMPB_ERR_ADMIN_UNAUTHORIZED', { message: 'not logged in: paste the admin token to log in' });
    answer(res, s);
  });
  router.post('/console/session', async (req, res) => {
    const parsed = loginBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError([{ where: 'body', error: parsed.error }]);
    const source = req.socket.remoteAddress ?? 'unknown';
    const gate = await throttle.check(source);
    if ('blockedForSeconds' in gate) {
      res.setHeader('Retry-After', String(gate.blockedForSeconds));
      throw new ImpbError('IMPB_ERR_TOO_MANY_AUTH_FAILURES', {
        message: `too many wrong admin tokens from ${source}: try again in ${gate.blockedForSeconds} s`,
        details: { retryAfterSeconds: gate.blockedForSeconds },
      });
    }
    if (gate.slot.delayMs) await new Promise((resolve) => setTimeout(resolve, gate.slot.delayMs));
    if (!deps.adminToken || !tokensEqual(parsed.data.token.trim(), deps.adminToken)) {
      gate.slot.fail();
      throw new ImpbError('IMPB_ERR_ADMIN_UNAUTHORIZED', { message: 'admin token is wrong (it is in <dataDir>/admin-token unless admin.token is configured)' });
    }
    gate.slot.release();
    const id = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { csrfToken: randomBytes(32).toString('base64url'), expiresAt: now() + ttlMs };
    await sessions.set(hashId(id), session);
    res.setHeader('Set-Cookie', cookie(req, id, Math.floor(ttlMs / 1000)));
    res.setHeader('Cache-Control', 'no-store');
    res.status(201);
    answer(res, session);
  });
  router.delete('/console/session', async (req, res) => {
    const id = cookieValue(req, SESSION_COOKIE);
    const s = await fromRequest(req);
    // Logout is a mutation too: without the CSRF token another site could log the operator out.
    if (s && id && tokensEqual(String(req.get(CSRF_HEADER) ?? ''), s.csrfToken)) await sessions.delete(hashId(id));
    else if (s) throw new ImpbError('IMPB_ERR_ADMIN_FORBIDDEN', { message: `CSRF token missing or wrong: send the ${CSRF_HEADER} header the login answered` });
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.status(204).end();
  });
  return { fromRequest, router };
}
