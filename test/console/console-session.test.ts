import os from 'node:os';
import path from 'node:path';
import express from 'express';
import supertest from 'supertest';
import { request } from 'undici';
import { requireAdminToken } from '../../src/admin/admin-auth';
import { jsonErrorHandler } from '../../src/observability/error-handler';
import { captureLogger } from '../helpers/capture-logger';
import { readAdminToken } from '../../src/admin/admin-token';
import { createConsoleSessions } from '../../src/admin/console-session';
import { CONSOLE_CSP, createConsoleStaticRouter } from '../../src/admin/console-static';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';

/** The console's login, CSRF and logout over the admin listener's real socket (no browser needed). */
describe('console sessions on the admin listener', () => {
  let t: TestBridge;
  let token: string;
  beforeAll(async () => {
    // The provisioning password's brake settings apply to console logins too: small ones keep the test short.
    t = await startTestBridge({ provisioning: { authFailureLimit: 2, authFailureBaseDelayMs: 20 } });
    token = readAdminToken(t.bridge.parts.config)!;
  });
  afterAll(async () => {
    await t.stop();
  });

  const login = async (presented: string) => {
    const res = await request(`${t.adminUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: presented }),
    });
    const body = (await res.body.json()) as { csrfToken?: string; error?: { code: string; message: string } };
    const setCookie = String(res.headers['set-cookie'] ?? '');
    return { status: res.statusCode, body, setCookie, cookie: setCookie.split(';')[0]! };
  };
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, headers: Record<string, string>) => {
    const res = await request(`${t.adminUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: method === 'GET' ? undefined : '{}',
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: text ? (JSON.parse(text) as { error?: { code: string; message: string } }) : {} };
  };

  it('exchanges the admin token for an HttpOnly SameSite=Strict cookie with an expiry, not Secure over plain HTTP', async () => {
    const ok = await login(token);
    expect(ok.status).toBe(201);
    expect(ok.setCookie).toMatch(/^impb_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(ok.setCookie).not.toContain(token);
    expect(ok.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // A read needs only the cookie.
    expect((await call('GET', '/api/v1/templates', { cookie: ok.cookie })).status).toBe(200);
  });

  it('refuses a mutation that carries the cookie without the CSRF token, and accepts it with the token', async () => {
    const { cookie, body } = await login(token);
    const refused = await call('POST', '/api/v1/clusters', { cookie });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'IMPB_ERR_ADMIN_FORBIDDEN', message: expect.stringContaining('x-csrf-token') });
    const wrong = await call('POST', '/api/v1/clusters', { cookie, 'x-csrf-token': 'not-the-token' });
    expect(wrong.status).toBe(403);
    // Past the CSRF check the API itself answers (here: its validation of the empty body).
    const passed = await call('POST', '/api/v1/clusters', { cookie, 'x-csrf-token': body.csrfToken! });
    expect(passed.status).toBe(400);
    expect(passed.json.error?.code).toBe('IMPB_ERR_VALIDATION');
  });

  it('logs out: the session is gone on the server, so the old cookie and CSRF token are refused', async () => {
    const { cookie, body } = await login(token);
    expect((await call('DELETE', '/console/session', { cookie })).status).toBe(403);
    expect((await call('DELETE', '/console/session', { cookie, 'x-csrf-token': body.csrfToken! })).status).toBe(204);
    const after = await call('POST', '/api/v1/subscribers/x%40y/resync', { cookie, 'x-csrf-token': body.csrfToken! });
    expect(after.status).toBe(401);
    expect((await call('GET', '/console/session', { cookie })).status).toBe(401);
  });

  it('throttles wrong tokens like the provisioning password: 429 once a source failed twice provisioning.authFailureLimit, even for the right token', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(`wrong-${i}-wrong-wrong`)).status);
    expect(statuses).toEqual(Array(4).fill(401));
    const blocked = await login(token);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error?.code).toBe('IMPB_ERR_TOO_MANY_AUTH_FAILURES');
  }, 60_000);

  it('answers the overview in one call: counts, jobs, Webex target and rate, certificate days with the monitor levels', async () => {
    const get = async () => {
      const res = await request(`${t.adminUrl}/api/v1/overview`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      return (await res.body.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    await get();
    const overview = await get();
    expect(overview).toMatchObject({
      subscribers: expect.any(Object),
      jobs: { failed: 0, queueDepth: 0, oldestAgeSeconds: 0 },
      webex: { target: 'simulator', token: { works: true }, currentLimitPerSecond: 5, callsPerMinute: expect.any(Number), rateLimitedTotal: 0 },
      expiryThresholds: { warnDays: 30, errorDays: 7 },
      unknownRequests: 0,
      instances: [expect.objectContaining({ pid: process.pid })],
    });
    const server = (overview.certificates as Array<{ kind: string; daysLeft: number; level: string }>).find((c) => c.kind === 'server');
    expect(server).toMatchObject({ level: 'ok' });
    expect(server!.daysLeft).toBeGreaterThan(300);
  });

  it('serves the console under a strict CSP and refuses framing', async () => {
    const res = await request(`${t.adminUrl}/console/`);
    await res.body.text();
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    const missing = await request(`${t.adminUrl}/console/assets/gone-12345678.js`);
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.text()).toContain('reload the page');
  });
});

describe('console session expiry', () => {
  it('forgets a session once its expiry has passed', async () => {
    let now = 1_000_000;
    const adminToken = 'a'.repeat(32);
    const sessions = createConsoleSessions({ adminToken, ttlMs: 60_000, now: () => now });
    const app = express();
    app.use(sessions.router);
    app.get('/probe', requireAdminToken(adminToken, sessions), (_req, res) => res.json({ ok: true }));
    app.use(jsonErrorHandler(captureLogger().logger));
    const login = await supertest(app).post('/console/session').send({ token: adminToken });
    expect(login.status).toBe(201);
    expect(String(login.headers['set-cookie'])).toContain('Max-Age=60');
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await supertest(app).get('/probe').set('cookie', cookie)).status).toBe(200);
    now += 60_001;
    expect((await supertest(app).get('/probe').set('cookie', cookie)).status).toBe(401);
  });

  it('marks the cookie Secure when the console is reached over TLS', async () => {
    const adminToken = 'b'.repeat(32);
    const sessions = createConsoleSessions({ adminToken });
    const app = express();
    // req.secure is true behind a TLS-terminating proxy that says so (and on a TLS listener).
    app.set('trust proxy', true);
    app.use(sessions.router);
    const login = await supertest(app).post('/console/session').set('x-forwarded-proto', 'https').send({ token: adminToken });
    expect(login.status).toBe(201);
    expect(String(login.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  });

  it('answers 503 naming the build command where the console is not built, with the same headers', async () => {
    const app = express();
    app.use(createConsoleStaticRouter({ dir: path.join(os.tmpdir(), 'impb-no-console-here') }));
    const res = await supertest(app).get('/console/');
    expect(res.status).toBe(503);
    expect(res.text).toContain('npm run build');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});
