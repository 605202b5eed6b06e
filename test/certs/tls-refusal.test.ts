import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { certPaths } from '../../src/certs';
import { sendFixture } from '../../src/cli/commands/send-command';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, createTestCrl, issueCert, type TestCert } from '../helpers/test-pki';
import { certApi, expectRefused, freshRequest, hasOpenssl, serverTrust, UNKNOWN_CA } from './cert-test-kit';

// Issue 12 §7: a refused AS must be able to tell why. Node cannot send a TLS alert after the
// handshake, so the proxy answers one fixed 403 naming the reason (what nginx does) and closes.

interface Answer {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  error?: string;
}

/** A flow-through POST exactly as an AS sends one (Basic auth, text/xml), on a new connection. */
function asPost(t: TestBridge, client: { cert?: string; key?: string }, options: { body?: string; maxVersion?: tls.SecureVersion } = {}): Promise<Answer> {
  const body = options.body ?? '<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI"/>';
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: t.bridge.provisioningAddress.port,
        path: '/provisioning/v1/demo',
        method: 'POST',
        agent: false,
        ca: serverTrust(t),
        maxVersion: options.maxVersion,
        ...client,
        headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: `Basic ${Buffer.from('demo:wrong-password').toString('base64')}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

/** openssl s_client against the provisioning port: everything it prints, once it exits. */
function sClient(t: TestBridge, args: string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${t.bridge.provisioningAddress.port}`,
      '-servername',
      'localhost',
      '-CAfile',
      certPaths(t.dataDir).serverCert,
      '-ign_eof',
      ...args,
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    // A guard far above the proxy's bound (a few seconds), so that a hang fails instead of blocking.
    const guard = setTimeout(() => child.kill(), 30_000);
    child.on('close', () => {
      clearTimeout(guard);
      resolve(out);
    });
    if (input !== undefined) child.stdin.write(input);
    // stdin stays open when no input is given: a client that sends nothing at all
  });
}

describe('a refused client is told why: 403 naming the reason (issue 12 §7)', () => {
  let t: TestBridge;
  let ca: TestCert;
  let stranger: TestCert;
  let expired: TestCert;
  let revoked: TestCert;
  const files: Record<string, string> = {};
  beforeAll(async () => {
    ca = await createTestCa('AS cluster CA');
    const strangerCa = await createTestCa('Not trusted CA');
    [stranger, expired, revoked] = await Promise.all([
      issueCert(strangerCa, { commonName: 'stranger.example.net' }),
      issueCert(ca, { commonName: 'old.example.net', notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }),
      issueCert(ca, { commonName: 'revoked.example.net', serialHex: '0d0e0f01' }),
    ]);
    t = await startTestBridge();
    expect((await certApi(t).post('/api/v1/trust').send({ pem: ca.certPem })).status).toBe(201);
    expect(
      (
        await certApi(t)
          .post('/api/v1/trust/crl')
          .send({ pem: createTestCrl(ca, ['0d0e0f01']).pem })
      ).status,
    ).toBe(201);
    for (const [name, c] of Object.entries({ stranger, expired, revoked })) {
      files[`${name}.crt`] = path.join(t.dataDir, `${name}.crt`);
      files[`${name}.key`] = path.join(t.dataDir, `${name}.key`);
      fs.writeFileSync(files[`${name}.crt`]!, c.certPem);
      fs.writeFileSync(files[`${name}.key`]!, c.keyPem, { mode: 0o600 });
    }
  });
  afterAll(() => t.stop());

  const cases: Array<[string, () => { cert?: string; key?: string }, string | RegExp, string | undefined]> = [
    ['no certificate although one is required', () => ({}), 'NO_CLIENT_CERTIFICATE', undefined],
    ['a certificate of a CA the proxy does not trust', () => ({ cert: stranger.certPem, key: stranger.keyPem }), UNKNOWN_CA, 'CN=stranger.example.net'],
    ['an expired certificate of a trusted CA', () => ({ cert: expired.certPem, key: expired.keyPem }), 'CERT_HAS_EXPIRED', 'CN=old.example.net'],
    ['a certificate revoked by the CA’s CRL', () => ({ cert: revoked.certPem, key: revoked.keyPem }), 'CERT_REVOKED', 'CN=revoked.example.net'],
  ];

  it.each(cases)(
    '%s: the AS’s POST gets a 403 naming the reason, the request never reaches the app, the log line is kept',
    async (_name, client, reason, subject) => {
      const before = t.logs.length;
      const answer = await asPost(t, client());
      expectRefused(answer, reason, subject);
      expect(answer.headers?.['content-type']).toMatch(/^text\/plain/);
      expect(answer.headers?.connection).toBe('close');
      expect(answer.body!.trimEnd().split('\n')).toHaveLength(1);
      const since = t.logs.slice(before);
      const refusal = since.find((l) => l.event === 'tls.client_refused');
      expect(refusal).toBeDefined();
      expect(answer.body).toContain(`refused: ${String(refusal!.reason)}`);
      // the wrong password would have been answered by the app (inbound.auth.failed): it never ran
      expect(since.filter((l) => String(l.event).startsWith('inbound.'))).toEqual([]);
    },
  );

  it.each(cases)('%s: an undici client (TLS 1.3) and a TLS 1.2 client read the same 403', async (_name, client, reason, subject) => {
    expectRefused(await freshRequest(t, client()), reason, subject);
    expectRefused(await asPost(t, client(), { maxVersion: 'TLSv1.2' }), reason, subject);
  });

  it('a client still sending a large body (above the default body limit) reads the 403, not a reset', async () => {
    const answer = await asPost(t, { cert: stranger.certPem, key: stranger.keyPem }, { body: `<x>${'a'.repeat(256 * 1024)}</x>` });
    expectRefused(answer, UNKNOWN_CA, 'CN=stranger.example.net');
  });

  it('a refused client that never closes and keeps sending is disconnected by the proxy (bounded)', async () => {
    // allowHalfOpen: it ignores the proxy's close_notify and FIN and goes on writing
    const socket = tls.connect({
      host: '127.0.0.1',
      port: t.bridge.provisioningAddress.port,
      servername: 'localhost',
      ca: serverTrust(t),
      cert: stranger.certPem,
      key: stranger.keyPem,
      allowHalfOpen: true,
    } as tls.ConnectionOptions);
    let ended = false;
    socket.on('end', () => (ended = true));
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('utf8')));
    socket.on('error', () => undefined);
    const ticker = setInterval(() => socket.writable && socket.write('X-Filler: never ending\r\n'), 50);
    const closed = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), 30_000);
      socket.once('close', () => {
        clearTimeout(guard);
        resolve(true);
      });
    });
    clearInterval(ticker);
    socket.destroy();
    expect(closed).toBe(true);
    expect(ended).toBe(true);
    // it never sent the end of a request head: answered anyway, after the short wait
    expect(received).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(received).toContain('client certificate refused: ');
  });

  it('imp-bridge send shows the 403 and the reason (and does not count it as a success)', async () => {
    const result = await sendFixture({
      file: path.join(t.dataDir, 'demo-request.xml'),
      url: `${t.provisioningUrl}/provisioning/v1/demo`,
      user: 'demo',
      password: 'not-the-password',
      cert: files['revoked.crt'],
      key: files['revoked.key'],
      ca: certPaths(t.dataDir).serverCert,
    });
    expect(result).toMatchObject({ status: 403, ok: false });
    expect(result.body).toMatch(/^client certificate refused: CERT_REVOKED \(subject CN=revoked\.example\.net\)/);
  });

  (hasOpenssl() ? it.each(['-tls1_3', '-tls1_2']) : it.skip.each(['-tls1_3', '-tls1_2']))(
    'openssl s_client %s shows the 403 and the reason, then the proxy closes',
    async (version) => {
      const withRequest = await sClient(
        t,
        [version, '-cert', files['expired.crt']!, '-key', files['expired.key']!],
        'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n',
      );
      expect(withRequest).toContain('HTTP/1.1 403 Forbidden');
      expect(withRequest).toContain('client certificate refused: CERT_HAS_EXPIRED (subject CN=old.example.net)');
      // a client that sends nothing (s_client waiting on its stdin) is answered too
      const silent = await sClient(t, [version]);
      expect(silent).toContain('client certificate refused: NO_CLIENT_CERTIFICATE');
    },
  );
});
