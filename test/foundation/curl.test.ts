import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, issueCert } from '../helpers/test-pki';

const run = promisify(execFile);

function hasCurl(): boolean {
  return ['/usr/bin/curl', '/usr/local/bin/curl', '/bin/curl'].some((p) => fs.existsSync(p));
}

/** curl's exit code and the HTTP status it printed (000 when no HTTP answer came). */
async function curl(args: string[]): Promise<{ exit: number; status: string }> {
  try {
    const { stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', ...args]);
    return { exit: 0, status: stdout.trim() };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { exit: e.code ?? -1, status: String(e.stdout ?? '').trim() };
  }
}

/** What curl prints as the answer's body (the README shows it to the operator). */
async function curlBody(args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-s', '--max-time', '10', ...args]);
  return stdout;
}

// The README's curl commands, run for real when curl is installed.
(hasCurl() ? describe : describe.skip)('the README curl checks', () => {
  let t: TestBridge;
  let url: string;
  let dev: ReturnType<typeof readDevClient>;
  beforeAll(async () => {
    t = await startTestBridge();
    url = `https://localhost:${t.bridge.provisioningAddress.port}/provisioning/v1/demo`;
    dev = readDevClient(t.dataDir);
  });
  afterAll(() => t.stop());

  const certFile = (name: string) => path.join(dev.dir, name);
  const serverCa = () => path.join(t.dataDir, 'certs', 'server.crt');

  it('with the dev client certificate: an HTTP answer from the provisioning port', async () => {
    const res = await curl(['--cacert', serverCa(), '--cert', certFile('client.crt'), '--key', certFile('client.key'), url]);
    expect(res.exit).toBe(0);
    expect(res.status).toMatch(/^[1-5]\d\d$/);
  });

  it('without a client certificate: since issue 12 §7 a 403 naming NO_CLIENT_CERTIFICATE (was: no HTTP answer)', async () => {
    const res = await curl(['--cacert', serverCa(), url]);
    expect(res).toEqual({ exit: 0, status: '403' });
    expect(await curlBody(['--cacert', serverCa(), url])).toMatch(/^client certificate refused: NO_CLIENT_CERTIFICATE; .*event tls\.client_refused/);
  });

  it('with a certificate from another CA: since issue 12 §7 a 403 naming the reason and the subject (was: no HTTP answer)', async () => {
    const other = await issueCert(await createTestCa('Another CA'), { commonName: 'intruder' });
    fs.writeFileSync(path.join(t.dataDir, 'intruder.crt'), other.certPem);
    fs.writeFileSync(path.join(t.dataDir, 'intruder.key'), other.keyPem, { mode: 0o600 });
    const args = ['--cacert', serverCa(), '--cert', path.join(t.dataDir, 'intruder.crt'), '--key', path.join(t.dataDir, 'intruder.key'), url];
    const res = await curl(args);
    expect(res).toEqual({ exit: 0, status: '403' });
    expect(await curlBody(args)).toMatch(
      /^client certificate refused: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \(subject CN=intruder\)/,
    );
  });

  it('curl http://127.0.0.1:<admin>/healthz answers 200', async () => {
    const res = await curl([`${t.adminUrl}/healthz`]);
    expect(res).toEqual({ exit: 0, status: '200' });
  });
});
