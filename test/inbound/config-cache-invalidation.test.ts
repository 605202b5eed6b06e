import { adminApi } from '../admin/admin-api-helpers';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, addDocument, basic, postDocument, templateConfig } from './flowthrough-client';

/** Templates and clusters are cached for the flow-through path: an operator's edit must still apply to the very next request. */
describe('template and cluster edits through the admin API reach the flow-through path at once', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    t = await startTestBridge({
      clusters: [{ name: 'east', sourceAddresses: ['127.0.0.1', '::1'] }],
      templates: [templateConfig('acme-standard', ACME_PASSWORD, { cluster: 'east' })],
    });
    api = adminApi(t.adminUrl, t.dataDir);
  });
  afterAll(async () => {
    await t.stop();
  });

  const post = (userId: string) => postDocument(t, addDocument(userId), { authorization: basic('acme-standard-as', ACME_PASSWORD) });

  it('a disabled template is refused on the next request, and accepted again once enabled', async () => {
    expect((await post('5000@x')).status).toBe(200);
    expect((await api.call('PATCH', '/api/v1/templates/acme-standard', { enabled: false })).status).toBe(200);
    const refused = await post('5001@x');
    expect(refused.status).toBe(404);
    expect(refused.text).toContain('4004');
    expect((await api.call('PATCH', '/api/v1/templates/acme-standard', { enabled: true })).status).toBe(200);
    expect((await post('5002@x')).status).toBe(200);
  });

  it('a cluster whose source addresses no longer include the AS refuses it on the next request', async () => {
    expect((await post('5100@x')).status).toBe(200);
    expect((await api.call('PATCH', '/api/v1/clusters/east', { sourceAddresses: ['192.0.2.10'] })).status).toBe(200);
    expect((await post('5101@x')).status).toBe(403);
    expect((await api.call('PATCH', '/api/v1/clusters/east', { sourceAddresses: ['127.0.0.1', '::1'] })).status).toBe(200);
    expect((await post('5102@x')).status).toBe(200);
  });

  it('a changed provisioning password is required on the next request', async () => {
    expect((await api.call('PATCH', '/api/v1/templates/acme-standard', { account: { password: 'N3w-Provisioning-9' } })).status).toBe(200);
    expect((await post('5200@x')).status).toBe(401);
    const ok = await postDocument(t, addDocument('5201@x'), { authorization: basic('acme-standard-as', 'N3w-Provisioning-9') });
    expect(ok.status).toBe(200);
  });
});
