import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import type { DoctorCheck, DoctorReport } from '../../src/operations/doctor';
import { X509Certificate } from 'node:crypto';
import { checkServerCertificate, checkTrust } from '../../src/operations/doctor-checks';
import { checkClock } from '../../src/operations/doctor-webex-checks';
import { buildCertificate } from '../../src/certs';
import { describeCertificate } from '../../src/certs/certificate-info';
import { testKey } from '../helpers/test-pki';
import { checkStore } from '../../src/operations/doctor-store-checks';
import type { DoctorDeps } from '../../src/operations/doctor';
import { configSchema } from '../../src/config';
import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { runCliCaptured } from '../cli/cli-harness';
import { pointCliAt, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';

const byName = (r: DoctorReport, name: string): DoctorCheck => {
  const found = r.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${r.checks.map((c) => c.name).join(', ')}`);
  return found;
};

describe('imp-bridge doctor', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  describe('a default bridge on the built-in simulator', () => {
    let t: TestBridge;
    beforeAll(async () => {
      t = await startTestBridge();
    });
    afterAll(async () => {
      await t.stop();
    });

    it('reports every check, the simulator as a warning, and exits 0 when nothing fails', async () => {
      pointCliAt(t);
      const json = await runCliCaptured('doctor', '--json');
      const report = JSON.parse(json.out) as DoctorReport;
      expect(report.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'listener.provisioning',
          'listener.admin',
          'certificate.expiry',
          'certificate.names',
          'trust',
          'webex',
          'clock',
          'queue',
          'store',
          'disk',
        ]),
      );
      for (const name of ['listener.admin', 'certificate.expiry', 'certificate.names', 'trust', 'clock', 'queue', 'store']) {
        expect(byName(report, name)).toMatchObject({ name, status: 'ok' });
      }
      // The test bridge listens on loopback only: up, but its URL is one no AS could reach.
      expect(byName(report, 'listener.provisioning')).toMatchObject({ status: 'warn', fix: expect.stringContaining('provisioning.publicHostname') });
      expect(byName(report, 'listener.provisioning').message).toContain(`mTLS provisioning listener up on 127.0.0.1:${t.bridge.provisioningAddress.port}`);
      expect(byName(report, 'store').message).toContain('quick_check ok');
      expect(byName(report, 'webex')).toMatchObject({ status: 'warn', fix: expect.stringContaining('IMP_BRIDGE_WEBEX_TOKEN') });
      // Warnings alone exit 0; the disk check depends on the machine, so the code follows the report.
      expect(json.code).toBe(report.status === 'fail' ? 1 : 0);
      expect(report.status).toBe(byName(report, 'disk').status === 'fail' ? 'fail' : 'warn');

      const text = await runCliCaptured('doctor');
      expect(text.out).toMatch(/^ok {2}\s*listener\.admin\s+admin listener up on 127\.0\.0\.1:\d+ \(loopback only\)/m);
      expect(text.out).toMatch(/^warn\s+webex\s+no Webex credentials/m);
      expect(text.out).toMatch(/→ set IMP_BRIDGE_WEBEX_TOKEN/);
      expect(text.out).toMatch(/\d+ ok, \d+ warnings?, \d+ failed/);
    });

    it('is an admin API operation behind the token, documented in the OpenAPI document', async () => {
      const denied = await fetch(`${t.adminUrl}/api/v1/doctor`);
      expect(denied.status).toBe(401);
      const doc = (await (await fetch(`${t.adminUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(doc.paths['/api/v1/doctor'] ?? doc.paths['/doctor']).toBeDefined();
    });
  });

  describe('a wrong Webex token and a certificate about to expire', () => {
    let sim: WebexSimulator;
    let t: TestBridge;
    beforeAll(async () => {
      sim = await startWebexSimulator({ token: 'the-right-token', provisioningDelayMs: 5 });
      t = await startTestBridge({
        webex: { baseUrl: sim.baseUrl, token: 'a-wrong-token' },
        tls: { selfSignedDays: 3, autoRenewSelfSignedDays: 0 },
        provisioning: { publicHostname: 'bridge.example.net' },
      });
    });
    afterAll(async () => {
      await t.stop();
      await sim.close();
    });

    it('fails those checks with their fixes and exits 1', async () => {
      pointCliAt(t);
      const json = await runCliCaptured('doctor', '--json');
      expect(json.code).toBe(1);
      const report = JSON.parse(json.out) as DoctorReport;
      expect(report.status).toBe('fail');
      expect(byName(report, 'webex')).toMatchObject({
        status: 'fail',
        details: { code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', httpStatus: 401 },
        fix: expect.stringContaining('webex.token (IMP_BRIDGE_WEBEX_TOKEN)'),
      });
      expect(byName(report, 'certificate.expiry')).toMatchObject({ status: 'fail', fix: 'imp-bridge cert renew-self-signed' });
      expect(byName(report, 'certificate.expiry').message).toMatch(/expires in [0-3] day\(s\).*tls\.expiryErrorDays \(7\)/);
      expect(byName(report, 'clock')).toMatchObject({ status: 'warn', message: expect.stringContaining('not measured') });
      expect(byName(report, 'listener.provisioning')).toMatchObject({
        status: 'ok',
        message: expect.stringContaining('the AS uses https://bridge.example.net:'),
      });
      expect(byName(report, 'certificate.names')).toMatchObject({ status: 'ok', message: expect.stringContaining('covers bridge.example.net') });
      expect(t.logText()).not.toContain('a-wrong-token');

      const text = await runCliCaptured('doctor');
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/^FAIL\s+webex\s+GET \/people\/me .*401/m);
      expect(text.out).not.toContain('a-wrong-token');
    });
  });

  describe('clock skew against the Date header of Webex', () => {
    let server: http.Server;
    let t: TestBridge;
    beforeAll(async () => {
      // A stand-in for Webex whose clock runs two minutes behind this host's.
      server = http.createServer((_req, res) => {
        res.sendDate = false;
        res.setHeader('date', new Date(Date.now() - 120_000).toUTCString());
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'person-1', orgId: 'org-1', emails: ['admin@example.net'] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      t = await startTestBridge({ webex: { baseUrl: `http://127.0.0.1:${port}/v1`, token: 'any-token' } });
    });
    afterAll(async () => {
      await t.stop();
      await new Promise((resolve) => server.close(resolve));
    });

    it('fails the clock check above 60 s and names the fix', async () => {
      pointCliAt(t);
      const report = JSON.parse((await runCliCaptured('doctor', '--json')).out) as DoctorReport;
      expect(byName(report, 'webex').status).toBe('ok');
      const clock = byName(report, 'clock');
      expect(clock).toMatchObject({ status: 'fail', fix: expect.stringContaining('NTP') });
      expect(clock.message).toMatch(/ahead of Webex/);
      expect(Math.abs((clock.details!.skewMs as number) + 120_000)).toBeLessThan(10_000);
    });
  });

  it('grades skew: within 5 s ok, above 5 s warn, above 60 s fail (from the middle of the call)', () => {
    const at = (skewMs: number) =>
      checkClock({ serverDate: new Date(1_000_000_000_000 + skewMs).toUTCString(), startedAt: 1_000_000_000_000 - 200, endedAt: 1_000_000_000_000 + 200 });
    expect(at(2_000).status).toBe('ok');
    expect(at(-7_000)).toMatchObject({ status: 'warn', message: expect.stringContaining('7.0 s ahead of Webex') });
    expect(at(8_000)).toMatchObject({ status: 'warn', message: expect.stringContaining('behind Webex') });
    expect(at(61_000).status).toBe('fail');
    expect(checkClock({ unavailable: 'Webex did not answer GET /people/me' }).status).toBe('warn');
  });

  it('grades trust anchors: none is a warning, all expired a failure, client certificates off a warning', async () => {
    const now = 1_800_000_000_000;
    const anchor = (daysLeft: number) => ({
      kind: 'anchor',
      subject: 'CN=AS CA',
      fingerprint: `fp${daysLeft}`,
      notAfter: new Date(now + daysLeft * 86_400_000).toISOString(),
      daysLeft,
    });
    const deps = (anchors: unknown[], clientCertificate: 'required' | 'off' = 'required') =>
      ({ config: configSchema.parse({ provisioning: { clientCertificate } }), certs: { trustList: async () => anchors } }) as unknown as DoctorDeps;
    expect(await checkTrust(deps([]), now)).toMatchObject([
      { status: 'warn', message: expect.stringContaining('no trust anchors'), fix: 'imp-bridge trust add <as-ca.pem>' },
    ]);
    expect(await checkTrust(deps([anchor(-1)]), now)).toMatchObject([{ status: 'fail' }]);
    expect(await checkTrust(deps([anchor(-1), anchor(400)]), now)).toMatchObject([{ status: 'warn', message: expect.stringContaining('1 expired') }]);
    expect(await checkTrust(deps([anchor(10)]), now)).toMatchObject([{ status: 'warn', message: expect.stringContaining('expiring within 30 days') }]);
    expect(await checkTrust(deps([anchor(400)]), now)).toMatchObject([{ status: 'ok' }]);
    expect(await checkTrust(deps([], 'off'), now)).toMatchObject([{ status: 'warn', message: expect.stringContaining('not checked') }]);
  });
});

describe('doctor store check', () => {
  it('fails on a damaged SQLite file and names the restore', async () => {
    const temp = makeTempDir();
    try {
      const file = path.join(temp.dir, 'damaged.sqlite');
      const db = new Database(file);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v);');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      db.transaction(() => {
        for (let i = 0; i < 5000; i++) insert.run(`value-${i}-${'x'.repeat(50)}`);
      })();
      db.close();
      // Overwrite a few pages in the middle with garbage (the header stays intact).
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.alloc(4096 * 3, 0xa5), 0, 4096 * 3, 4096 * 5);
      fs.closeSync(fd);
      const store = { isOpen: () => true, templates: { count: async () => 0 }, file };
      const [check] = await checkStore({ store } as unknown as DoctorDeps);
      expect(check).toMatchObject({ name: 'store', status: 'fail', fix: expect.stringContaining('backup') });
    } finally {
      temp.cleanup();
    }
  });
});

describe('doctor certificate names', () => {
  it('fails when the server certificate does not cover provisioning.publicHostname, with the CSR to make', async () => {
    const pem = buildCertificate({ commonName: 'other.example.net', subjectAltNames: ['other.example.net'], validDays: 200, usage: 'server' }, await testKey());
    const cert = new X509Certificate(pem);
    const certs = { show: () => ({ ...describeCertificate(cert), origin: 'installed' }), serverCertificate: () => cert, trustList: async () => [] };
    const deps = {
      config: configSchema.parse({ provisioning: { publicHostname: 'bridge.example.net' } }),
      certs,
      provisioningBaseUrl: () => 'https://bridge.example.net:8443',
    } as unknown as DoctorDeps;
    const checks = checkServerCertificate(deps, Date.now());
    expect(checks.find((c) => c.name === 'certificate.expiry')).toMatchObject({ status: 'ok' });
    expect(checks.find((c) => c.name === 'certificate.names')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('does not cover bridge.example.net'),
      fix: expect.stringContaining('imp-bridge cert csr --cn bridge.example.net --san bridge.example.net'),
    });
  });
});
