import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir } from '../helpers/temp-dir';

// The compiled entry point, as `npm start` runs it (`npm test` builds first).
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

function occupy(host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe('the process (npm start): start-up messages', () => {
  it.each([
    ['provisioning', 'IMP_BRIDGE_PORT', 'provisioning.port'],
    ['admin', 'IMP_BRIDGE_ADMIN_PORT', 'admin.port'],
  ])('a %s port already in use exits 2 and names %s / %s', async (listener, env, key) => {
    const temp = makeTempDir();
    const busy = await occupy();
    try {
      const p = run({
        IMP_BRIDGE_DATA_DIR: temp.dir,
        IMP_BRIDGE_HOST: '127.0.0.1',
        IMP_BRIDGE_PORT: '0',
        IMP_BRIDGE_ADMIN_PORT: '0',
        [env]: String(portOf(busy)),
      });
      expect(await p.exited).toBe(2);
      const line = p
        .err()
        .split('\n')
        .find((l) => l.includes('already in use'));
      expect(line).toBe(
        `imp-bridge: ${listener} listener cannot listen on 127.0.0.1:${portOf(busy)}: the port is already in use: set ${key} (${env}) to a free port, or stop the process that holds ${portOf(busy)}`,
      );
      // The structured log keeps the failure too, without a stack trace (an expected failure).
      const failed = p
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.message === 'start-up failed');
      expect(failed).toMatchObject({ code: 'IMPB_ERR_STARTUP', err: { code: 'IMPB_ERR_STARTUP', details: { listener, port: portOf(busy) } } });
      expect(JSON.stringify(failed)).not.toContain('"stack"');
    } finally {
      await new Promise((r) => busy.close(r));
      temp.cleanup();
    }
  });

  it('at first start prints the ready-to-paste send command as a plain line (stderr), beside the JSON log', async () => {
    const temp = makeTempDir();
    const p = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_HOST: '127.0.0.1', IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' });
    try {
      const started = Date.now();
      while (!p.err().includes('--ca ') && p.child.exitCode === null && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
      const command = p
        .err()
        .split('\n')
        .find((l) => l.startsWith('npx imp-bridge send '));
      expect(command).toBe(
        `npx imp-bridge send ${path.join(temp.dir, 'demo-request.xml')} --credentials ${path.join(temp.dir, 'demo-template.json')} --cert ${path.join(temp.dir, 'certs', 'dev-client', 'client.crt')} --key ${path.join(temp.dir, 'certs', 'dev-client', 'client.key')} --ca ${path.join(temp.dir, 'certs', 'server.crt')}`,
      );
      // stdout stays one JSON object per line for log collectors.
      for (const l of p.out().split('\n').filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      // A second start (the demo template exists) prints nothing of the kind.
      const again = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_HOST: '127.0.0.1', IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' });
      const t0 = Date.now();
      while (!again.out().includes('listener.admin.up') && again.child.exitCode === null && Date.now() - t0 < 20_000)
        await new Promise((r) => setTimeout(r, 50));
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
      expect(again.err()).not.toContain('npx imp-bridge send');
    } finally {
      p.child.kill('SIGKILL');
      temp.cleanup();
    }
  });

  it('IMP_BRIDGE_LOG_FORMAT=pretty writes readable lines, secrets redacted', async () => {
    const temp = makeTempDir();
    const adminToken = 'pretty-admin-token-0123456789';
    const p = run({
      IMP_BRIDGE_DATA_DIR: temp.dir,
      IMP_BRIDGE_HOST: '127.0.0.1',
      IMP_BRIDGE_PORT: '0',
      IMP_BRIDGE_ADMIN_PORT: '0',
      IMP_BRIDGE_LOG_FORMAT: 'pretty',
      IMP_BRIDGE_ADMIN_TOKEN: adminToken,
    });
    try {
      const started = Date.now();
      while (!p.out().includes('admin listener up') && p.child.exitCode === null && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
      const lines = p.out().split('\n').filter(Boolean);
      expect(lines.find((l) => l.includes('admin listener up'))).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}admin listener up {2}event=listener\.admin\.up url=http:\/\/127\.0\.0\.1:\d+( console=http:\/\/127\.0\.0\.1:\d+\/console\/)?$/,
      );
      for (const l of lines.filter((x) => /^\d{4}-/.test(x))) expect(l.startsWith('{')).toBe(false);
      expect(p.out()).toContain('starting imp-bridge');
      expect(p.out()).not.toContain(adminToken);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      temp.cleanup();
    }
  });
});
