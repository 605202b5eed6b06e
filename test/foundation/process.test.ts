import { spawn } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { makeTempDir } from '../helpers/temp-dir';

// These tests run the compiled entry point as `npm start` does (`npm test` builds first).
const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'main.js');

function run(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the process (npm start)', () => {
  it('exits 2 naming `port` when IMP_BRIDGE_PORT=abc', async () => {
    const temp = makeTempDir();
    const p = run({ IMP_BRIDGE_PORT: 'abc', IMP_BRIDGE_DATA_DIR: temp.dir });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/provisioning\.port \(from IMP_BRIDGE_PORT\):.*port.*"abc"/);
    temp.cleanup();
  });

  it('starts on embedded defaults within 10 s, answers /healthz, and exits 0 on SIGTERM', async () => {
    const temp = makeTempDir();
    const started = Date.now();
    const p = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' });
    let adminUrl: string | undefined;
    while (!adminUrl && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      const up = p.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (up.some((l) => l.event === 'listener.provisioning.up')) adminUrl = up.find((l) => l.event === 'listener.admin.up')?.url as string | undefined;
    }
    expect(adminUrl).toBeDefined();
    const lines = p.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.event === 'cert.self_signed.generated')?.certificate).toBe(path.join(temp.dir, 'certs', 'server.crt'));
    expect(lines.find((l) => l.event === 'cert.dev_trust.generated')?.devClientCertificate).toBe(path.join(temp.dir, 'certs', 'dev-client', 'client.crt'));
    const res = await request(`${adminUrl}/healthz`);
    expect(res.statusCode).toBe(200);
    await res.body.text();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).toContain('"event":"shutdown.done"');
    temp.cleanup();
  });
});
