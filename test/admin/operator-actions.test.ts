import type { Job } from '../../src/store';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { adminApi, CLUSTER, templateBody, waitFor } from './admin-api-helpers';

const HOUR = 3_600_000;

describe('operator actions over the real admin API: jobs, subscribers, customers', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    t = await startTestBridge({ webex: { simulatorProvisioningDelayMs: 5 }, pipeline: { pollInitialMs: 10, pollMaxMs: 50 } });
    api = adminApi(t.adminUrl, t.dataDir);
    expect((await api.call('POST', '/api/v1/clusters', CLUSTER)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/templates', templateBody('ops', { provisioningId: 'prov-ops' }))).status).toBe(201);
  });
  afterAll(async () => {
    await t.stop();
  });

  const store = () => t.bridge.parts.store;
  const subscriber = (userId: string, extra: Record<string, unknown> = {}) => {
    const email = `${userId.split('@')[0]}@acme.example`;
    return store().subscribers.upsert({
      userId,
      template: 'ops',
      enterpriseId: 'acme',
      status: 'provisioned',
      isActive: true,
      email,
      profile: { firstName: userId.split('@')[0]!, lastName: 'Tester', email },
      ...extra,
    });
  };
  /** A job planted in a given state; `dueIn` keeps a queued one away from the worker. */
  const plant = (userId: string, state: Job['state'], kind: Job['kind'] = 'resync', dueIn = 0) =>
    store().jobs.enqueue({ eventId: 0, kind, template: 'ops', userId, enterpriseId: 'acme', nextRunAt: Date.now() + dueIn, payload: {}, state });
  const jobState = async (id: number) => (await store().jobs.get(id))!.state;

  it('refuses unknown fields when a cluster is created, as template create does (nothing silently dropped)', async () => {
    const res = await api.call('POST', '/api/v1/clusters', { name: 'strict', hosts: ['as1.example.net'], hostz: ['typo.example.net'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IMPB_ERR_VALIDATION');
    expect(res.body.error.message).toContain('hostz');
    const nested = await api.call('POST', '/api/v1/clusters', { name: 'strict', identityRules: { subjectCN: ['as1'] } });
    expect(nested.status).toBe(400);
    expect((await api.call('GET', '/api/v1/clusters/strict')).status).toBe(404);
  });

  describe('jobs retry and cancel', () => {
    it('cancels a queued job, then refuses to cancel it again (409)', async () => {
      await subscriber('cancel@voip.example.net');
      const id = await plant('cancel@voip.example.net', 'queued', 'resync', HOUR);
      const res = await api.call('POST', `/api/v1/jobs/${id}/cancel`);
      expect(res.status).toBe(200);
      expect(res.body.job).toMatchObject({ id, state: 'cancelled' });
      const audit = await store().audit.list({ entityType: 'job', entityId: String(id) });
      expect(audit[0]).toMatchObject({ action: 'cancel', before: { state: 'queued' }, after: { state: 'cancelled' } });
      const again = await api.call('POST', `/api/v1/jobs/${id}/cancel`);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({ code: 'IMPB_ERR_CONFLICT', state: 'cancelled' });
    });

    it('retries a cancelled job: it is queued now and the worker runs it to done', async () => {
      const [cancelled] = await store().jobs.list({ userId: 'cancel@voip.example.net', state: 'cancelled' });
      const res = await api.call('POST', `/api/v1/jobs/${cancelled!.id}/retry`);
      expect(res.status).toBe(200);
      expect(res.body.job.id).toBe(cancelled!.id);
      expect(res.body.job.nextRunAt).toBeLessThanOrEqual(Date.now());
      await waitFor(async () => (await jobState(cancelled!.id)) === 'done');
    });

    it('retries a failed job', async () => {
      await subscriber('failed@voip.example.net');
      const id = await plant('failed@voip.example.net', 'failed');
      const res = await api.call('POST', `/api/v1/jobs/${id}/retry`);
      expect(res.status).toBe(200);
      await waitFor(async () => (await jobState(id)) === 'done');
    });

    it('refuses to retry a done job and to cancel a running one (409), and answers 404 for an unknown job', async () => {
      const done = await plant('done@voip.example.net', 'done');
      const retryDone = await api.call('POST', `/api/v1/jobs/${done}/retry`);
      expect(retryDone.status).toBe(409);
      expect(retryDone.body.error).toMatchObject({ code: 'IMPB_ERR_CONFLICT', state: 'done' });
      const running = await plant('running@voip.example.net', 'running');
      const cancelRunning = await api.call('POST', `/api/v1/jobs/${running}/cancel`);
      expect(cancelRunning.status).toBe(409);
      expect(cancelRunning.body.error.message).toContain('running right now');
      expect(await jobState(running)).toBe('running');
      expect((await api.call('POST', '/api/v1/jobs/999999/retry')).status).toBe(404);
      expect((await api.call('POST', '/api/v1/jobs/999999/cancel')).status).toBe(404);
    });

    it('refuses to retry an old failed assign after a later unassign of the user finished, pointing at resync', async () => {
      const user = 'removed@voip.example.net';
      const assign = await plant(user, 'failed', 'assign');
      await plant(user, 'done', 'unassign');
      const res = await api.call('POST', `/api/v1/jobs/${assign}/retry`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'IMPB_ERR_CONFLICT', reason: 'superseded' });
      expect(res.body.error.message).toContain(`imp-bridge subscribers resync ${user}`);
      expect(await jobState(assign)).toBe('failed');
    });
  });

  describe('subscribers set-package and resync', () => {
    it('queues a set_package job that the pipeline applies', async () => {
      await subscriber('pkg@voip.example.net', { package: 'standard' });
      const res = await api.call('POST', `/api/v1/subscribers/${encodeURIComponent('pkg@voip.example.net')}/package`, { package: 'premium' });
      expect(res.status).toBe(202);
      expect(res.body.job).toMatchObject({ kind: 'set_package', userId: 'pkg@voip.example.net', template: 'ops', payload: { package: 'premium' } });
      await waitFor(async () => (await jobState(res.body.job.id)) === 'done');
      expect((await store().subscribers.get('pkg@voip.example.net'))!.package).toBe('premium');
    });

    it('refuses a package of another target API with the allowed list, and an unknown subscriber with 404', async () => {
      const bad = await api.call('POST', `/api/v1/subscribers/${encodeURIComponent('pkg@voip.example.net')}/package`, { package: 'webex_calling' });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ code: 'IMPB_ERR_VALIDATION', allowed: ['softphone', 'basic', 'standard', 'premium'] });
      const unknown = await api.call('POST', `/api/v1/subscribers/${encodeURIComponent('nobody@voip.example.net')}/package`, { package: 'basic' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('IMPB_ERR_NOT_FOUND');
    });

    it('queues a resync job that the pipeline runs, and answers 404 for an unknown subscriber', async () => {
      await subscriber('resync@voip.example.net');
      const res = await api.call('POST', `/api/v1/subscribers/${encodeURIComponent('resync@voip.example.net')}/resync`);
      expect(res.status).toBe(202);
      expect(res.body.job).toMatchObject({ kind: 'resync', userId: 'resync@voip.example.net' });
      await waitFor(async () => (await jobState(res.body.job.id)) === 'done');
      expect((await api.call('POST', `/api/v1/subscribers/${encodeURIComponent('nobody@voip.example.net')}/resync`)).status).toBe(404);
    });
  });

  describe('customers list and show', () => {
    beforeAll(async () => {
      await store().customers.upsert({ enterpriseId: 'cust-a', template: 'ops', status: 'provisioned', webexCustomerId: 'wx-cust-a' });
      await store().customers.upsert({ enterpriseId: 'cust-b', template: 'other', status: 'provisioning' });
      await subscriber('c1@voip.example.net', { enterpriseId: 'cust-a' });
      await subscriber('c2@voip.example.net', { enterpriseId: 'cust-a', status: 'error' });
      await subscriber('c3@voip.example.net', { enterpriseId: 'no-record' });
    });

    it('lists customers, filtered by template and status', async () => {
      const all = await api.call('GET', '/api/v1/customers');
      expect(all.status).toBe(200);
      expect((all.body.customers as Array<{ enterpriseId: string }>).map((c) => c.enterpriseId)).toEqual(expect.arrayContaining(['cust-a', 'cust-b']));
      const byTemplate = await api.call('GET', '/api/v1/customers?template=ops');
      expect(byTemplate.body.customers).toEqual([expect.objectContaining({ enterpriseId: 'cust-a', webexCustomerId: 'wx-cust-a' })]);
      const byStatus = await api.call('GET', '/api/v1/customers?status=provisioning');
      expect(byStatus.body.customers).toEqual([expect.objectContaining({ enterpriseId: 'cust-b' })]);
    });

    it('shows one customer with its subscriber counts; an enterprise known only from subscribers; 404 otherwise', async () => {
      const a = await api.call('GET', '/api/v1/customers/cust-a');
      expect(a.status).toBe(200);
      expect(a.body).toEqual({
        customer: expect.objectContaining({ enterpriseId: 'cust-a', status: 'provisioned' }),
        subscribers: { provisioned: 1, error: 1 },
      });
      const bare = await api.call('GET', '/api/v1/customers/no-record');
      expect(bare.status).toBe(200);
      expect(bare.body).toEqual({ customer: { enterpriseId: 'no-record', status: 'unknown (no customer record)' }, subscribers: { provisioned: 1 } });
      const none = await api.call('GET', '/api/v1/customers/nobody');
      expect(none.status).toBe(404);
      expect(none.body.error.code).toBe('IMPB_ERR_NOT_FOUND');
    });
  });

  describe('subscriber list filters', () => {
    beforeAll(async () => {
      await subscriber('f1@voip.example.net', { enterpriseId: 'filter-acme', email: 'anna@filter.example', profile: { firstName: 'Anna', lastName: 'Zed' } });
      await subscriber('f2@voip.example.net', {
        enterpriseId: 'filter-acme',
        status: 'error',
        email: 'ben@filter.example',
        profile: { firstName: 'Ben', lastName: 'Young' },
      });
      await subscriber('f3@voip.example.net', {
        enterpriseId: 'filter-globex',
        status: 'error',
        email: 'cleo@filter.example',
        profile: { firstName: 'Cleo', lastName: 'Xu' },
      });
    });
    const ids = async (query: string) => {
      const res = await api.call('GET', `/api/v1/subscribers?${query}`);
      expect(res.status).toBe(200);
      return (res.body.subscribers as Array<{ userId: string }>).map((s) => s.userId);
    };

    it('filters by enterprise, by status, and both', async () => {
      expect(await ids('enterprise=filter-acme')).toEqual(['f1@voip.example.net', 'f2@voip.example.net']);
      expect((await ids('status=error')).filter((u) => u.startsWith('f'))).toEqual(['f2@voip.example.net', 'f3@voip.example.net']);
      expect(await ids('status=error&enterprise=filter-acme')).toEqual(['f2@voip.example.net']);
    });

    it('searches q over user id, email, names and enterprise id, not over the profile keys', async () => {
      expect(await ids('q=Anna')).toEqual(['f1@voip.example.net']);
      expect(await ids('q=young')).toEqual(['f2@voip.example.net']);
      expect(await ids('q=cleo%40filter')).toEqual(['f3@voip.example.net']);
      expect(await ids('q=f3%40voip')).toEqual(['f3@voip.example.net']);
      expect(await ids('q=filter-globex')).toEqual(['f3@voip.example.net']);
      // Every profile holds the keys "firstName" and "lastName": they are no search text.
      expect(await ids('q=firstName')).toEqual([]);
      expect(await ids('q=lastName')).toEqual([]);
      expect(await ids('q=%25')).toEqual([]);
    });
  });
});
