import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/**
 * The policy the console is built for: everything from this origin, no inline script or
 * style, no framing. Vite emits only external, hashed files, so nothing needs a nonce.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/**
 * Where `vite build` put the console: dist/console next to the compiled admin folder (npm start),
 * or under the repository's dist/ when this file runs from src/ (ts-jest).
 */
export function findConsoleDir(): string | undefined {
  const candidates = [path.resolve(__dirname, '..', 'console'), path.resolve(__dirname, '..', '..', 'dist', 'console')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html')) && fs.existsSync(path.join(dir, 'assets')));
}

/** /console/: hashed assets cached for a year, the index never (so a new build is seen at once). */
export function createConsoleStaticRouter(options: { dir?: string } = {}): Router {
  const wanted = options.dir ?? findConsoleDir();
  const dir = wanted && fs.existsSync(path.join(wanted, 'index.html')) ? wanted : undefined;
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console', (_req, res, next) => {
    securityHeaders(res);
    next();
  });
  if (!dir) {
    router.get(/^\/console(\/.*)?$/, (_req, res) => {
      res.status(503).type('text/plain').send('The console is not built: run "npm run build" (it writes dist/console/).\n');
    });
    return router;
  }
  router.use(
    '/console/assets',
    express.static(path.join(dir, 'assets'), {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  );
  // A page of an older build asks for assets that are gone: a plain 404, never the index.
  router.use('/console/assets', (_req, res) => {
    res.status(404).type('text/plain').send('No such console asset: the console was rebuilt, reload the page.\n');
  });
  const index = path.join(dir, 'index.html');
  // Every other path under /console is a page of the app: the index, which routes on the client.
  router.get(/^\/console(\/.*)?$/, (req, res) => {
    if (req.path === '/console') {
      res.redirect(301, '/console/');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(fs.readFileSync(index));
  });
  return router;
}
