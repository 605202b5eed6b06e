import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { request } from 'undici';
import fs from 'node:fs';
import { requireAdminToken } from '../../src/admin/admin-auth';
import { adminTokenPath, ensureAdminToken } from '../../src/admin/admin-token';
import { configSchema } from '../../src/config';
import { makeTempDir } from '../helpers/temp-dir';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';

type Family = { name: string; type: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> };

describe('/metrics', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge();
    const store = t.bridge.parts.store;
    for (const [userId, status] of [
      ['a@x', 'provisioned'],
      ['b@x', 'provisioned'],
      ['c@x', 'error'],
    ]) {
      await store.subscribers.upsert({ userId: userId!, template: 'demo', enterpriseId: 'acme', status: status!, isActive: true, profile: {} });
    }
  });
  afterAll(async () => {
    await t.stop();
  });

  it('serves Prometheus text a parser reads, with subscribers by status, queue gauges and process metrics (open on loopback)', async () => {
    const res = await request(`${t.adminUrl}/metrics`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const families = parsePrometheusTextFormat(await res.body.text()) as Family[];
    const byName = new Map(families.map((f) => [f.name, f]));
    const subscribers = byName.get('impb_subscribers')!;
    expect(subscribers.type).toBe('GAUGE');
    const value = (status: string) => Number(subscribers.metrics.find((m) => m.labels?.status === status)?.value);
    expect(value('provisioned')).toBe(2);
    expect(value('error')).toBe(1);
    expect(byName.get('impb_queue_depth')).toBeDefined();
    expect(byName.get('impb_oldest_job_age_seconds')).toBeDefined();
    expect(byName.get('impb_process_cpu_seconds_total')).toBeDefined();
  });
});

describe('admin token rules', () => {
  it('refuses a non-loopback admin listener without a configured token', () => {
    const temp = makeTempDir();
    try {
      // The schema refuses this combination already (exit 2); this is the backstop for a config built without it.
      const config = { ...configSchema.parse({ dataDir: temp.dir }), admin: { host: '0.0.0.0', port: 9090 } };
      expect(() => ensureAdminToken(config)).toThrow(expect.objectContaining({ code: 'IMPB_ERR_CONFIG_INVALID' }));
    } finally {
      temp.cleanup();
    }
  });

  it('on a non-loopback listener /metrics and the API need the configured token', async () => {
    const token = 'a-configured-admin-token-0123456789';
    const t = await startTestBridge({ admin: { host: '0.0.0.0', port: 0, token } });
    try {
      const url = `http://127.0.0.1:${t.bridge.adminAddress.port}`;
      const anon = await request(`${url}/metrics`);
      expect(anon.statusCode).toBe(401);
      await anon.body.text();
      const authed = await request(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(authed.statusCode).toBe(200);
      await authed.body.text();
      const apiRes = await request(`${url}/api/v1/clusters`, { headers: { authorization: `Bearer ${token}` } });
      expect(apiRes.statusCode).toBe(200);
      await apiRes.body.text();
    } finally {
      await t.stop();
    }
  });
});

describe('admin token file that is empty (a crash mid-write, an operator touching it)', () => {
  it('is replaced by a generated token (0600) instead of making the empty string the token', () => {
    const temp = makeTempDir();
    try {
      const config = configSchema.parse({ dataDir: temp.dir });
      fs.writeFileSync(adminTokenPath(temp.dir), '\n', { mode: 0o600 });
      const token = ensureAdminToken(config);
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(fs.readFileSync(adminTokenPath(temp.dir), 'utf8').trim()).toBe(token);
      expect(fs.statSync(adminTokenPath(temp.dir)).mode & 0o777).toBe(0o600);
    } finally {
      temp.cleanup();
    }
  });

  it('never lets a request through when the expected token is empty (a header that trims to nothing)', () => {
    const check = requireAdminToken('');
    const passed: unknown[] = [];
    const req = { headers: { authorization: 'Bearer \u00a0' } } as unknown as Parameters<typeof check>[0];
    const res = { setHeader: () => undefined } as unknown as Parameters<typeof check>[1];
    void check(req, res, (err?: unknown) => passed.push(err));
    expect(passed).toHaveLength(1);
    expect(passed[0]).toMatchObject({ code: 'IMPB_ERR_ADMIN_UNAUTHORIZED' });
  });
});
