import { Router } from 'express';
import request from 'supertest';
import { createAdminApp } from '../../src/admin/admin-app';
import { ImpbError } from '../../src/errors';
import { captureLogger } from '../helpers/capture-logger';

describe('unhandled errors', () => {
  const { logger, lines } = captureLogger();
  const router = Router();
  router.get('/boom', () => {
    throw new Error('database at /var/lib/secret-path exploded');
  });
  router.get('/refused', () => {
    throw new ImpbError('IMPB_ERR_CONFLICT', { message: 'cluster east is used by template acme' });
  });
  const app = createAdminApp({ logger, readiness: [], routers: [router] });

  it('are logged with their stack and answered without internals', async () => {
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: 'IMPB_ERR_INTERNAL', message: 'internal error' });
    expect(JSON.stringify(res.body)).not.toContain('secret-path');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    const logged = lines
      .map((l) => JSON.parse(l) as { message: string; err?: { stack?: string }; requestId?: string })
      .find((l) => l.message === 'unhandled error')!;
    expect(logged.err?.stack).toContain('secret-path');
    expect(logged.requestId).toBe(res.headers['x-request-id']);
  });

  it('known errors keep their stable code and status', async () => {
    const res = await request(app).get('/refused');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'IMPB_ERR_CONFLICT', message: 'cluster east is used by template acme', retryable: false });
  });
});
