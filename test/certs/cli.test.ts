import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { request } from 'undici';
import { readAdminToken } from '../../src/admin/admin-token';
import { buildProgram } from '../../src/cli/main';
import { jsonErrorHandler } from '../../src/observability/error-handler';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa } from '../helpers/test-pki';

/**
 * The CLI against a running proxy. When the admin app already mounts `rt.certs.routes`
 * under /api/v1 the real admin listener is used; otherwise the same router is served here.
 */
describe('imp-bridge trust / cert commands', () => {
  let t: TestBridge;
  let server: http.Server | undefined;
  let port: number;
  const saved = { ...process.env };
  beforeAll(async () => {
    t = await startTestBridge();
    const token = readAdminToken(t.bridge.runtime.config);
    const probe = await request(`${t.adminUrl}/api/v1/certificate`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await probe.body.text();
    if (probe.statusCode === 200) {
      port = t.bridge.adminAddress.port;
    } else {
      const app = express();
      app.use('/api/v1', t.bridge.runtime.certs!.routes);
      app.use(jsonErrorHandler(t.bridge.runtime.logger));
      server = http.createServer(app);
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    }
    Object.assign(process.env, { IMP_BRIDGE_DATA_DIR: t.dataDir, IMP_BRIDGE_ADMIN_HOST: '127.0.0.1', IMP_BRIDGE_ADMIN_PORT: String(port) });
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await t.stop();
  });

  async function run(...args: string[]): Promise<string> {
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'imp-bridge', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  it('trust add / list / remove, marked as cli in the audit trail', async () => {
    const ca = await createTestCa('CLI CA');
    const file = path.join(t.dataDir, 'cli-ca.pem');
    fs.writeFileSync(file, ca.certPem);
    const diff = JSON.parse(await run('trust', 'diff', file, '--json'));
    expect(diff.add).toHaveLength(1);
    const added = JSON.parse(await run('trust', 'add', file, '--json'));
    const fingerprint = added.added[0].fingerprint as string;
    const table = await run('trust', 'list');
    expect(table).toMatch(/^KIND\s+SUBJECT/);
    expect(table).toContain(fingerprint);
    const audit = await t.bridge.runtime.store.audit.list({ entityType: 'trust-anchor', entityId: fingerprint });
    expect(audit[0]!.actor).toBe('cli');
    expect(await run('trust', 'remove', fingerprint)).toMatch(/removed CN=CLI CA/);
  });

  it('cert csr --out writes a CSR; cert show prints the certificate', async () => {
    const out = path.join(t.dataDir, 'req.csr');
    await run('cert', 'csr', '--cn', 'localhost', '--san', '127.0.0.1', 'bridge.local', '--out', out);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/BEGIN CERTIFICATE REQUEST/);
    const show = JSON.parse(await run('cert', 'show', '--json'));
    expect(show.pending.subjectAltNames).toEqual(['localhost', '127.0.0.1', 'bridge.local']);
    expect(await run('cert', 'show')).toMatch(/fingerprint\s+[0-9a-f]{64}/);
  });

  it('ec-p256 is refused with a clear message', async () => {
    await expect(run('cert', 'csr', '--cn', 'localhost', '--key-type', 'ec-p256')).rejects.toThrow(/node-forge.*RSA/);
  });
});
