import fs from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { request } from 'undici';
import { verifyPassword } from '../../src/domain';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { adminApi, CLUSTER, templateBody } from './admin-api-helpers';

describe('admin API over a real socket', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  beforeAll(async () => {
    t = await startTestBridge();
    api = adminApi(t.adminUrl, t.dataDir);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('generates the admin token into the data dir with mode 0600', () => {
    const stat = fs.statSync(path.join(t.dataDir, 'admin-token'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect(api.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 without a token or with a wrong one, 200 with the right one', async () => {
    const none = await request(`${t.adminUrl}/api/v1/templates`);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    expect(((await none.body.json()) as { error: { code: string } }).error.code).toBe('IMPB_ERR_ADMIN_UNAUTHORIZED');
    const wrong = await request(`${t.adminUrl}/api/v1/templates`, { headers: { authorization: `Bearer ${api.token}x` } });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.text();
    const right = await api.call('GET', '/api/v1/templates');
    expect(right.status).toBe(200);
    expect(Array.isArray(right.body.templates)).toBe(true);
  });

  it('keeps health routes open', async () => {
    const res = await request(`${t.adminUrl}/healthz`);
    expect(res.statusCode).toBe(200);
    await res.body.text();
  });

  it('answers an unknown operation with 404 only after authentication', async () => {
    const anon = await request(`${t.adminUrl}/api/v1/nothing`);
    expect(anon.statusCode).toBe(401);
    await anon.body.text();
    expect((await api.call('GET', '/api/v1/nothing')).status).toBe(404);
  });

  describe('clusters and templates (Partner Hub rules)', () => {
    it('creates a cluster and refuses a duplicate name', async () => {
      expect((await api.call('POST', '/api/v1/clusters', CLUSTER)).status).toBe(201);
      const dup = await api.call('POST', '/api/v1/clusters', CLUSTER);
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('IMPB_ERR_CONFLICT');
    });

    it('creates a template, never shows the password and shows the provisioning URL', async () => {
      const res = await api.call('POST', '/api/v1/templates', templateBody('acme-standard'));
      expect(res.status).toBe(201);
      expect(res.body.generatedPassword).toBeUndefined();
      const shown = await api.call('GET', '/api/v1/templates/acme-standard');
      expect(shown.status).toBe(200);
      expect(shown.body.provisioningUrl).toBe(`${t.bridge.parts.provisioningBaseUrl}/provisioning/v1/acme-standard`);
      expect(shown.body.account).toEqual({ username: 'acme-standard-as', passwordSet: true });
      expect(JSON.stringify(shown.body)).not.toMatch(/Secr3t|scrypt/);
      const stored = await t.bridge.parts.store.templates.get('acme-standard');
      expect(await verifyPassword('Secr3t-Passw0rd', stored!.account.passwordHash)).toBe(true);
    });

    it('refuses a duplicate template name', async () => {
      const dup = await api.call('POST', '/api/v1/templates', templateBody('acme-standard'));
      expect(dup.status).toBe(409);
      expect(dup.body.error.message).toContain('acme-standard');
    });

    it('generates a 20-character password when none is given, shown once', async () => {
      const { account: _a, ...rest } = templateBody('generated');
      const res = await api.call('POST', '/api/v1/templates', { ...rest, account: { username: 'gen-as' } });
      expect(res.status).toBe(201);
      expect(res.body.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
      const stored = await t.bridge.parts.store.templates.get('generated');
      expect(await verifyPassword(res.body.generatedPassword, stored!.account.passwordHash)).toBe(true);
      expect(JSON.stringify((await api.call('GET', '/api/v1/templates/generated')).body)).not.toContain(res.body.generatedPassword);
    });

    it('refuses a password longer than 20 characters (the AS field limit)', async () => {
      const res = await api.call('POST', '/api/v1/templates', templateBody('too-long', { account: { username: 'x', password: 'a'.repeat(21) } }));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('IMPB_ERR_VALIDATION');
      expect(res.body.error.problems).toEqual([expect.objectContaining({ path: 'body.account.password', message: expect.stringContaining('20') })]);
    });

    it('refuses an invalid package and lists the allowed ones for the target', async () => {
      const bw = await api.call('POST', '/api/v1/templates', templateBody('bad-pkg', { package: 'gold' }));
      expect(bw.status).toBe(400);
      expect(bw.body.error.code).toBe('IMPB_ERR_VALIDATION');
      expect(bw.body.error.message).toContain('softphone, basic, standard, premium');
      expect(bw.body.error.allowed).toEqual(['softphone', 'basic', 'standard', 'premium']);
      const ws = await api.call('POST', '/api/v1/templates', templateBody('bad-ws', { targetApi: 'wholesale', package: 'premium' }));
      expect(ws.status).toBe(400);
      expect(ws.body.error.allowed).toEqual(
        expect.arrayContaining(['webex_calling', 'webex_meetings', 'webex_suite', 'webex_voice', 'cx_essentials', 'webex_calling_standard']),
      );
      const editBad = await api.call('PATCH', '/api/v1/templates/acme-standard', { package: 'webex_suite' });
      expect(editBad.status).toBe(400);
      expect(editBad.body.error.message).toContain('allowed: softphone, basic, standard, premium');
    });

    it('lists every invalid field in a validation error', async () => {
      const res = await api.call('POST', '/api/v1/templates', { name: 'bad name!', targetApi: 'sip', account: {} });
      expect(res.status).toBe(400);
      const paths = (res.body.error.problems as Array<{ path: string }>).map((p) => p.path);
      expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.targetApi', 'body.provisioningId', 'body.package', 'body.account.username']));
    });

    it('keeps the current password when an edit sends an empty or no password', async () => {
      const before = (await t.bridge.parts.store.templates.get('acme-standard'))!.account.passwordHash;
      const empty = await api.call('PATCH', '/api/v1/templates/acme-standard', { package: 'premium', account: { password: '' } });
      expect(empty.status).toBe(200);
      expect(empty.body.package).toBe('premium');
      const absent = await api.call('PATCH', '/api/v1/templates/acme-standard', { trustedEmail: true });
      expect(absent.status).toBe(200);
      const after = await t.bridge.parts.store.templates.get('acme-standard');
      expect(after!.account.passwordHash).toBe(before);
      expect(after!.trustedEmail).toBe(true);
      expect(after!.enabled).toBe(true);
      const changed = await api.call('PATCH', '/api/v1/templates/acme-standard', { account: { password: 'N3w-Password!' } });
      expect(changed.status).toBe(200);
      const rehashed = await t.bridge.parts.store.templates.get('acme-standard');
      expect(await verifyPassword('N3w-Password!', rehashed!.account.passwordHash)).toBe(true);
    });

    it('refuses to delete a cluster a template references, naming the templates', async () => {
      const res = await api.call('DELETE', '/api/v1/clusters/as-east');
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('IMPB_ERR_IN_USE');
      expect(res.body.error.templates).toEqual(expect.arrayContaining(['acme-standard', 'generated']));
      expect(res.body.error.message).toContain('acme-standard');
    });

    it('refuses to delete a template with active subscribers without force, and says what force does', async () => {
      await t.bridge.parts.store.subscribers.upsert({
        userId: 'alice@voip.example.net',
        template: 'generated',
        enterpriseId: 'acme',
        status: 'provisioned',
        isActive: true,
        profile: {},
      });
      const refused = await api.call('DELETE', '/api/v1/templates/generated');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('IMPB_ERR_IN_USE');
      expect(refused.body.error.message).toMatch(/1 pending or active subscriber.*--force/);
      const forced = await api.call('DELETE', '/api/v1/templates/generated?force=true');
      expect(forced.status).toBe(200);
      expect(forced.body).toMatchObject({ deleted: 'generated', subscribersLeft: 1 });
      expect(forced.body.consequence).toMatch(/stay provisioned in Webex/);
      expect(await t.bridge.parts.store.templates.get('generated')).toBeUndefined();
    });

    it('deletes a cluster once no template references it', async () => {
      await api.call('POST', '/api/v1/clusters', { name: 'spare' });
      expect((await api.call('DELETE', '/api/v1/clusters/spare')).status).toBe(200);
      expect((await api.call('GET', '/api/v1/clusters/spare')).status).toBe(404);
    });
  });

  it('serves an OpenAPI document that validates and documents the request schemas', async () => {
    const res = await request(`${t.adminUrl}/api/v1/openapi.json`);
    expect(res.statusCode).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking an OpenAPI document
    const doc = (await res.body.json()) as any;
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    const create = doc.paths['/api/v1/templates'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.properties.account.properties.password.maxLength).toBe(20);
    expect(doc.paths['/api/v1/subscribers'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'enterprise', 'template', 'q']),
    );
    expect(doc.paths['/api/v1/jobs/{id}/retry'].post).toBeDefined();
    // The certificate operations are documented from the schemas that validate them.
    for (const [p, method] of [
      ['/api/v1/trust', 'get'],
      ['/api/v1/trust', 'post'],
      ['/api/v1/trust/diff', 'post'],
      ['/api/v1/trust/crl', 'get'],
      ['/api/v1/trust/crl', 'post'],
      ['/api/v1/trust/{fingerprint}', 'delete'],
      ['/api/v1/certificate', 'get'],
      ['/api/v1/certificate/expiry', 'get'],
      ['/api/v1/certificate/csr', 'post'],
      ['/api/v1/certificate/install', 'post'],
      ['/api/v1/certificate/rollback', 'post'],
      ['/api/v1/certificate/renew-self-signed', 'post'],
    ] as const) {
      expect(doc.paths[p]?.[method]).toMatchObject({ tags: ['certificates'] });
    }
    expect(Object.keys(doc.paths['/api/v1/trust'].post.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['pem', 'der', 'leaf', 'replace']),
    );
    expect(doc.paths['/api/v1/certificate/install'].post.requestBody.content['application/json'].schema.required).toEqual(['certPem']);
  });

  it('certificate operations share the admin API validation error shape', async () => {
    const res = await api.call('POST', '/api/v1/certificate/install', {});
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'IMPB_ERR_VALIDATION' });
    expect(res.body.error.problems).toEqual([expect.objectContaining({ path: 'body.certPem' })]);
    const unauthorized = await request(`${t.adminUrl}/api/v1/trust`);
    expect(unauthorized.statusCode).toBe(401);
    await unauthorized.body.text();
  });
});
