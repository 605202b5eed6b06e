import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { sendFixture } from '../../src/cli/commands/send-command';
import { certPaths } from '../../src/certs/cert-paths';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, templateConfig } from './flowthrough-client';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'flowthrough');

describe('imp-bridge send and the demo template', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge();
    t.bridge.parts.inbound.announce(t.bridge.parts.provisioningBaseUrl);
  });
  afterAll(async () => {
    await t.stop();
  });

  const demoFile = () => path.join(t.dataDir, 'demo-template.json');
  const demoRequest = () => path.join(t.dataDir, 'demo-request.xml');

  it('creates the demo template on a first start with no template, with credentials in a 0600 file and a ready-to-paste command', async () => {
    const template = await t.bridge.parts.store.templates.get('demo');
    expect(template).toMatchObject({ targetApi: 'broadworks', package: 'standard', trustedEmail: true, account: { username: 'demo' } });
    const credentials = JSON.parse(fs.readFileSync(demoFile(), 'utf8')) as { url: string; username: string; password: string };
    expect(credentials.url).toBe(`${t.bridge.parts.provisioningBaseUrl}/provisioning/v1/demo`);
    expect(credentials.username).toBe('demo');
    expect(credentials.password).toHaveLength(20);
    expect(fs.statSync(demoFile()).mode & 0o777).toBe(0o600);
    const line = t.logs.find((l) => l.event === 'template.demo.created')!;
    expect(line).toMatchObject({ level: 'warn', url: credentials.url, username: 'demo', credentialsFile: demoFile(), requestFile: demoRequest() });
    // The command points into the data dir only, so it works where test/fixtures does not exist (installed package, Docker image).
    expect(String(line.tryIt)).toContain(`imp-bridge send ${demoRequest()} --credentials ${demoFile()}`);
    expect(String(line.tryIt)).not.toContain('test/fixtures');
    expect(fs.readFileSync(demoRequest(), 'utf8')).toContain('UserIntegratedIMPAddRequest');
    expect(t.logText()).not.toContain(credentials.password);
  });

  it('the printed command, run from another directory, sends the demo request with success', async () => {
    const line = t.logs.find((l) => l.event === 'template.demo.created')!;
    const argv = String(line.tryIt)
      .replace(/^npx imp-bridge /, '')
      .split(' ');
    const output: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (output.push(String(chunk)), true));
    const cwd = process.cwd();
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'impb-elsewhere-'));
    try {
      process.chdir(elsewhere);
      process.exitCode = undefined;
      await buildProgram().parseAsync(['node', 'imp-bridge', ...argv]);
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      process.chdir(cwd);
      write.mockRestore();
      process.exitCode = undefined;
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(output.join('')).toContain('c:SuccessResponse');
    expect(await t.bridge.parts.store.events.listForUser('2405550100@voip.example.net')).toHaveLength(1);
  });

  it('announces the demo template even at logLevel warn', async () => {
    const quiet = await startTestBridge({ logLevel: 'warn' });
    try {
      quiet.bridge.parts.inbound.announce(quiet.bridge.parts.provisioningBaseUrl);
      expect(quiet.logs.find((l) => l.event === 'template.demo.created')).toMatchObject({
        tryIt: expect.stringContaining(path.join(quiet.dataDir, 'demo-request.xml')),
      });
    } finally {
      await quiet.stop();
    }
  });

  it('sends a fixture exactly as an AS would, with the demo credentials file', async () => {
    const paths = certPaths(t.dataDir);
    const result = await sendFixture({
      file: path.join(FIXTURES, 'add-basic', 'request.xml'),
      credentials: demoFile(),
      cert: paths.devClientCert,
      key: paths.devClientKey,
      ca: paths.serverCert,
    });
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(result.body).toContain('c:SuccessResponse');
    const [event] = await t.bridge.parts.store.events.listForUser('2405551212@voip.example.net');
    expect(event!.template).toBe('demo');
  });

  it('sends ISO-8859-1 bytes unchanged with the declared charset, and reports errors as not ok', async () => {
    const paths = certPaths(t.dataDir);
    const common = { credentials: demoFile(), cert: paths.devClientCert, key: paths.devClientKey, ca: paths.serverCert };
    const iso = await sendFixture({ ...common, file: path.join(FIXTURES, 'add-iso-8859-1', 'request.xml') });
    expect(iso.ok).toBe(true);
    expect(iso.contentType).toBe('text/xml; charset=ISO-8859-1');
    const [event] = await t.bridge.parts.store.events.listForUser('4930555123@voip.example.net');
    expect(event!.profile.lastName).toBe('Müller-Strauß');
    const bad = await sendFixture({ ...common, file: path.join(FIXTURES, 'add-missing-lastname', 'request.xml') });
    expect(bad).toMatchObject({ status: 200, ok: false });
    const unauthorised = await sendFixture({ ...common, file: path.join(FIXTURES, 'delete-basic', 'request.xml'), password: 'not-the-password' });
    expect(unauthorised).toMatchObject({ status: 401, ok: false });
  });

  it('runs as a CLI command: prints status and body, exit code 0 on success and 1 otherwise (--password-env)', async () => {
    const paths = certPaths(t.dataDir);
    const { url, password } = JSON.parse(fs.readFileSync(demoFile(), 'utf8')) as { url: string; password: string };
    process.env.IMPB_TEST_SEND_PASSWORD = password;
    const output: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (output.push(String(chunk)), true));
    try {
      const run = async (fixture: string) => {
        process.exitCode = undefined;
        const argv = [
          'node',
          'imp-bridge',
          'send',
          path.join(FIXTURES, fixture, 'request.xml'),
          '--url',
          url,
          '--user',
          'demo',
          '--password-env',
          'IMPB_TEST_SEND_PASSWORD',
          '--cert',
          paths.devClientCert,
          '--key',
          paths.devClientKey,
          '--ca',
          paths.serverCert,
        ];
        await buildProgram().parseAsync(argv);
        return process.exitCode ?? 0;
      };
      expect(await run('delete-basic')).toBe(0);
      expect(output.join('')).toMatch(/^HTTP 200 \(text\/xml; charset=UTF-8\)\n<\?xml/);
      expect(await run('unknown-command')).toBe(1);
    } finally {
      write.mockRestore();
      process.exitCode = undefined;
      delete process.env.IMPB_TEST_SEND_PASSWORD;
    }
  });
});

describe('no demo template when templates are configured', () => {
  it('leaves the store alone', async () => {
    const t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
    try {
      t.bridge.parts.inbound.announce(t.bridge.parts.provisioningBaseUrl);
      expect(await t.bridge.parts.store.templates.get('demo')).toBeUndefined();
      expect(fs.existsSync(path.join(t.dataDir, 'demo-template.json'))).toBe(false);
    } finally {
      await t.stop();
    }
  });
});
