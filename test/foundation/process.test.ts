import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { request } from 'undici';
import { readDevClient } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';

// These tests run the compiled entry point as `npm start` does (`npm test` builds first).
const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'main.js');

function run(env: NodeJS.ProcessEnv, nodeArgs: string[] = []) {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, exited, out: () => stdout, err: () => stderr, lines };
}

type Running = ReturnType<typeof run>;

async function waitForLine(p: Running, event: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const started = Date.now();
  for (;;) {
    const line = p.lines().find((l) => l.event === event);
    if (line) return line;
    if (p.child.exitCode !== null) throw new Error(`exited (${p.child.exitCode}) before ${event}:\n${p.out()}${p.err()}`);
    if (Date.now() - started > timeoutMs) throw new Error(`no ${event} line within ${timeoutMs} ms:\n${p.out()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'flowthrough', 'add-basic', 'request.xml');

describe('the process (npm start)', () => {
  it('exits 2 naming `port` when IMP_BRIDGE_PORT=abc', async () => {
    const temp = makeTempDir();
    const p = run({ IMP_BRIDGE_PORT: 'abc', IMP_BRIDGE_DATA_DIR: temp.dir });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/provisioning\.port \(from IMP_BRIDGE_PORT\):.*port.*"abc"/);
    temp.cleanup();
  });

  it('exits 2 naming admin.token for a non-loopback admin host without a token, before touching the data dir', async () => {
    const temp = makeTempDir();
    const p = run({ IMP_BRIDGE_ADMIN_HOST: '0.0.0.0', IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' });
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/^ {2}admin\.token: required when admin\.host \(0\.0\.0\.0\) is not a loopback address/m);
    // Refused before certificates are generated or a listener is bound.
    expect(fs.readdirSync(temp.dir)).toEqual([]);
    temp.cleanup();
  });

  it('starts on embedded defaults within 10 s, answers /healthz, and exits 0 on SIGTERM', async () => {
    const temp = makeTempDir();
    const started = Date.now();
    const p = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' });
    let adminUrl: string | undefined;
    while (!adminUrl && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      const up = p
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      if (up.some((l) => l.event === 'listener.provisioning.up')) adminUrl = up.find((l) => l.event === 'listener.admin.up')?.url as string | undefined;
    }
    expect(adminUrl).toBeDefined();
    const lines = p
      .out()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
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

  it('on SIGTERM finishes a flow-through request in flight (200 SuccessResponse), then exits 0', async () => {
    const temp = makeTempDir();
    const p = run({
      IMP_BRIDGE_DATA_DIR: temp.dir,
      IMP_BRIDGE_HOST: '127.0.0.1',
      IMP_BRIDGE_PORT: '0',
      IMP_BRIDGE_ADMIN_PORT: '0',
      IMP_BRIDGE_DRAIN_TIMEOUT_MS: '10000',
    });
    try {
      const up = await waitForLine(p, 'listener.provisioning.up');
      const demo = JSON.parse(fs.readFileSync(path.join(temp.dir, 'demo-template.json'), 'utf8')) as { url: string; username: string; password: string };
      const dev = readDevClient(temp.dir);
      const body = fs.readFileSync(FIXTURE);
      const half = Math.floor(body.length / 2);
      const req = https.request({
        host: '127.0.0.1',
        servername: 'localhost',
        port: up.port as number,
        method: 'POST',
        path: new URL(demo.url).pathname,
        agent: false,
        ca: dev.ca,
        cert: dev.cert,
        key: dev.key,
        headers: {
          'content-type': 'text/xml; charset=UTF-8',
          'content-length': String(body.length),
          authorization: `Basic ${Buffer.from(`${demo.username}:${demo.password}`).toString('base64')}`,
        },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
      });
      await new Promise<void>((resolve) => req.write(body.subarray(0, half), () => resolve()));
      // Headers and half the body are on the wire; give the server time to take the request.
      await new Promise((r) => setTimeout(r, 500));
      p.child.kill('SIGTERM');
      const start = await waitForLine(p, 'shutdown.start');
      expect(start.inFlight).toBe(1);
      req.end(body.subarray(half));
      const res = await answered;
      expect(res.status).toBe(200);
      expect(res.text).toContain('SuccessResponse');
      expect(await p.exited).toBe(0);
      expect(p.lines().find((l) => l.event === 'shutdown.done')).toMatchObject({ forced: false });
    } finally {
      p.child.kill('SIGKILL');
      temp.cleanup();
    }
  });

  it('logs the admin and Webex tokens redacted, and never writes their values', async () => {
    const temp = makeTempDir();
    // A loopback stand-in for Webex: the test never leaves the machine; readiness may fail, that is fine here.
    const webex = http.createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((resolve) => webex.listen(0, '127.0.0.1', resolve));
    const adminToken = 'admin-token-value-0123456789abcdef';
    const webexToken = 'webex-token-value-fedcba9876543210';
    const p = run({
      IMP_BRIDGE_DATA_DIR: temp.dir,
      IMP_BRIDGE_PORT: '0',
      IMP_BRIDGE_ADMIN_PORT: '0',
      IMP_BRIDGE_ADMIN_TOKEN: adminToken,
      IMP_BRIDGE_WEBEX_TOKEN: webexToken,
      IMP_BRIDGE_WEBEX_BASE_URL: `http://127.0.0.1:${(webex.address() as AddressInfo).port}/v1`,
    });
    try {
      const startup = await waitForLine(p, 'startup');
      expect(startup.config).toMatchObject({ admin: { token: '[REDACTED]' }, webex: { token: '[REDACTED]' } });
      await waitForLine(p, 'listener.admin.up');
      p.child.kill('SIGTERM');
      await p.exited;
      for (const secret of [adminToken, webexToken]) {
        expect(p.out()).not.toContain(secret);
        expect(p.err()).not.toContain(secret);
      }
    } finally {
      p.child.kill('SIGKILL');
      await new Promise((resolve) => webex.close(resolve));
      temp.cleanup();
    }
  });

  /** A script node loads before main.js (--require): how a test injects a fault into the real process. */
  function preload(dir: string, code: string): string[] {
    const file = path.join(dir, 'preload.js');
    fs.writeFileSync(file, code);
    return ['--require', file];
  }

  it.each([
    {
      kind: 'uncaught exception',
      code: "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('injected fault'); }));",
      err: { message: 'injected fault', stack: expect.stringContaining('preload.js') },
    },
    {
      // Treated like an uncaught exception, as Node itself does by default since v15.
      kind: 'unhandled promise rejection',
      code: "process.on('SIGUSR2', () => { void Promise.reject(new Error('injected rejection')); });",
      err: { message: 'injected rejection' },
    },
  ])('on an $kind logs it (an exception with its stack), stops gracefully and exits 1', async ({ kind, code, err }) => {
    const temp = makeTempDir();
    const p = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' }, preload(temp.dir, code));
    try {
      await waitForLine(p, 'listener.admin.up');
      p.child.kill('SIGUSR2');
      expect(await p.exited).toBe(1);
      expect(p.lines().find((l) => l.event === 'process.fatal')).toMatchObject({ kind, err });
      expect(p.lines().some((l) => l.event === 'shutdown.done')).toBe(true);
    } finally {
      p.child.kill('SIGKILL');
      temp.cleanup();
    }
  });

  it('a SIGTERM during start-up waits for start-up, then stops gracefully (exit 0)', async () => {
    const temp = makeTempDir();
    // Fires once main.js has run to its first await, i.e. while certificates are being generated.
    const code = 'setTimeout(() => process.kill(process.pid, "SIGTERM"), 0);';
    const p = run({ IMP_BRIDGE_DATA_DIR: temp.dir, IMP_BRIDGE_PORT: '0', IMP_BRIDGE_ADMIN_PORT: '0' }, preload(temp.dir, code));
    try {
      expect(await p.exited).toBe(0);
      const events = p.lines().map((l) => l.event);
      expect(p.lines().find((l) => l.event === 'signal')).toMatchObject({ signal: 'SIGTERM', duringStartup: true });
      expect(events.indexOf('signal')).toBeLessThan(events.indexOf('listener.admin.up'));
      expect(events).toContain('shutdown.done');
    } finally {
      p.child.kill('SIGKILL');
      temp.cleanup();
    }
  });
});
