import { request } from 'undici';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { adminApi, CLUSTER, templateBody } from './admin-api-helpers';

const HOUR = 3_600_000;

describe('admin API: list totals, BroadWorks enterprises, bulk retry', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    t = await startTestBridge({});
    api = adminApi(t.adminUrl, t.dataDir);
    expect((await api.call('POST', '/api/v1/clusters', CLUSTER)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/templates', templateBody('bulk'))).status).toBe(201);
  });
  afterAll(async () => {
    await t.stop();
  });
  const store = () => t.bridge.parts.store;
  const failedJob = async (userId: string, code: string, webexErrorCode?: string) => {
    const id = await store().jobs.enqueue({
      eventId: 0,
      kind: 'assign',
      template: 'bulk',
      userId,
      enterpriseId: 'bulk-co',
      nextRunAt: Date.now() + HOUR,
      payload: {},
      state: 'failed',
      lastError: { code, message: 'x', webexErrorCode, at: Date.now() },
    });
    return id;
  };

  it('answers each list with the total count of matching rows', async () => {
    for (const n of [1, 2, 3]) {
      await store().subscribers.upsert({
        userId: `tot${n}@voip.example.net`,
        template: 'bulk',
        enterpriseId: 'bulk-co',
        status: 'provisioned',
        isActive: true,
        profile: {},
      });
    }
    const subs = await api.call('GET', '/api/v1/subscribers?template=bulk&limit=2');
    expect(subs.body.subscribers).toHaveLength(2);
    expect(subs.body.total).toBe(3);
    const customers = await api.call('GET', '/api/v1/customers?withEnterprises=true');
    expect(customers.body).toEqual({
      customers: [
        expect.objectContaining({ enterpriseId: 'bulk-co', template: 'bulk', targetApi: 'broadworks', status: 'broadworks', subscribers: { provisioned: 3 } }),
      ],
      total: 1,
    });
    expect((await api.call('GET', '/api/v1/customers')).body).toEqual({ customers: [], total: 0 });
  });

  it('POST /jobs/retry retries the jobs matching state, template and error code, and counts them', async () => {
    const a = await failedJob('r1@voip.example.net', 'IMPB_ERR_WEBEX_UNAUTHORIZED');
    const b = await failedJob('r2@voip.example.net', 'IMPB_ERR_WEBEX_REJECTED', '10022');
    const c = await failedJob('r3@voip.example.net', 'IMPB_ERR_WEBEX_REJECTED', '99999');
    const jobs = await api.call('GET', '/api/v1/jobs?state=failed&limit=1');
    expect(jobs.body.total).toBe(3);
    const byWebexCode = await api.call('POST', '/api/v1/jobs/retry', { state: 'failed', template: 'bulk', error: '10022' });
    expect(byWebexCode.status).toBe(200);
    expect(byWebexCode.body).toEqual({ matched: 1, retried: 1, skipped: [], failed: 0 });
    expect((await store().jobs.get(b))!.state).not.toBe('failed');
    expect((await store().jobs.get(a))!.state).toBe('failed');
    const res = await request(`${t.adminUrl}/api/v1/jobs/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ state: 'failed' }),
    });
    const lines = (await res.body.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.at(-1)).toEqual({ type: 'result', result: { matched: 2, retried: 2, skipped: [], failed: 0 } });
    expect(lines.slice(0, -1).every((l) => l.type === 'progress')).toBe(true);
    expect(lines.at(-2)).toEqual({ type: 'progress', done: 2, total: 2 });
    expect((await store().jobs.get(a))!.state).not.toBe('failed');
    expect((await store().jobs.get(c))!.state).not.toBe('failed');
    expect((await api.call('POST', '/api/v1/jobs/retry', { state: 'done' })).status).toBe(400);
  });

  it('refuses reconcile unassignUnknown without repair', async () => {
    const res = await api.call('POST', '/api/v1/reconcile', { unassignUnknown: true });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('unassignUnknown');
  });
});
