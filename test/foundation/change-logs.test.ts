import { adminApi, CLUSTER, templateBody } from '../admin/admin-api-helpers';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';

describe('template and cluster changes are logged at info with the actor', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    t = await startTestBridge({ logLevel: 'info' });
    api = adminApi(t.adminUrl, t.dataDir);
  });
  afterAll(async () => {
    await t.stop();
  });

  const changes = () => t.logs.filter((l) => /^(template|cluster)\.(created|updated|deleted)$/.test(String(l.event)));

  it('create, edit and delete through the API (and the CLI, which says so) each write one line naming who and what, never the password', async () => {
    expect((await api.call('POST', '/api/v1/clusters', CLUSTER)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/templates', templateBody('acme'), { 'x-impb-actor': 'cli' })).status).toBe(201);
    expect(
      (await api.call('PATCH', '/api/v1/templates/acme', { package: 'premium', account: { password: 'N3w-Secret-Pass' } }, { 'x-impb-actor': 'cli' })).status,
    ).toBe(200);
    expect((await api.call('PATCH', '/api/v1/clusters/as-east', { description: 'east pair, renamed' })).status).toBe(200);
    expect((await api.call('DELETE', '/api/v1/templates/acme')).status).toBe(200);
    expect((await api.call('DELETE', '/api/v1/clusters/as-east')).status).toBe(200);

    expect(changes().map((l) => [l.level, l.event, l.actor, l.template ?? l.cluster])).toEqual([
      ['info', 'cluster.created', 'admin-api', 'as-east'],
      ['info', 'template.created', 'cli', 'acme'],
      ['info', 'template.updated', 'cli', 'acme'],
      ['info', 'cluster.updated', 'admin-api', 'as-east'],
      ['info', 'template.deleted', 'admin-api', 'acme'],
      ['info', 'cluster.deleted', 'admin-api', 'as-east'],
    ]);
    expect(changes()[1]).toMatchObject({ message: 'template acme created by cli', username: 'acme-as', targetApi: 'broadworks', cluster: 'as-east' });
    expect(changes()[2]).toMatchObject({ changed: ['package', 'account.password'] });
    expect(changes()[3]).toMatchObject({ changed: ['description'] });
    expect(t.logText()).not.toContain('Secr3t-Passw0rd');
    expect(t.logText()).not.toContain('N3w-Secret-Pass');
  });
});
