import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { request } from 'undici';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, issueCert } from '../helpers/test-pki';

/** Resolves with the HTTP status, or rejects with the TLS/socket error. */
function httpsGet(port: number, path: string, options: https.RequestOptions): Promise<number> {
  return httpsAnswer(port, path, options).then((a) => a.status);
}

/** Resolves with the HTTP status, content type and body, or rejects with the TLS/socket error. */
function httpsAnswer(
  port: number,
  path: string,
  options: https.RequestOptions,
): Promise<{ status: number; contentType?: string; connection?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path, method: 'GET', agent: false, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          connection: res.headers.connection,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mTLS provisioning listener and admin listener', () => {
  let t: TestBridge;
  let port: number;
  let dev: ReturnType<typeof readDevClient>;
  beforeAll(async () => {
    t = await startTestBridge();
    port = t.bridge.provisioningAddress.port;
    dev = readDevClient(t.dataDir);
  });
  afterAll(() => t.stop());

  it('answers a client presenting the generated dev client certificate', async () => {
    await expect(httpsGet(port, '/', { ca: dev.ca, cert: dev.cert, key: dev.key })).resolves.toBe(404);
  });

  it('refuses a client without a certificate, and since issue 12 §7 tells it why: 403, text/plain, Connection: close, the reason code', async () => {
    const answer = await httpsAnswer(port, '/', { ca: dev.ca });
    expect(answer).toMatchObject({ status: 403, connection: 'close' });
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.body).toBe('client certificate refused: NO_CLIENT_CERTIFICATE; the imp-bridge operator can see why in its log (event tls.client_refused)\n');
  });

  it('refuses a client whose certificate comes from another CA, and since issue 12 §7 names the reason and its subject in a 403', async () => {
    const otherCa = await createTestCa('Some other CA');
    const stranger = await issueCert(otherCa, { commonName: 'stranger' });
    const answer = await httpsAnswer(port, '/', { ca: dev.ca, cert: stranger.certPem, key: stranger.keyPem });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(
      /^client certificate refused: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \(subject CN=stranger\); the imp-bridge operator can see why in its log \(event tls.client_refused\)\n$/,
    );
    // one line and nothing more of the proxy's internals
    expect(answer.body.split('\n')).toHaveLength(2);
  });

  it('refuses TLS below 1.2', async () => {
    await expect(
      httpsGet(port, '/', { ca: dev.ca, cert: dev.cert, key: dev.key, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
    ).rejects.toThrow();
  });

  it('presents the generated self-signed certificate with localhost and 127.0.0.1 as SANs', async () => {
    const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: dev.ca, cert: dev.cert, key: dev.key }, () => {
        resolve(socket.getPeerCertificate());
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(peer.subjectaltname).toContain('DNS:localhost');
    expect(peer.subjectaltname).toContain('IP Address:127.0.0.1');
    const days = (new Date(peer.valid_to).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });

  it('never serves one listener’s routes on the other', async () => {
    // admin routes are absent from the provisioning listener …
    await expect(httpsGet(port, '/healthz', { ca: dev.ca, cert: dev.cert, key: dev.key })).resolves.toBe(404);
    await expect(httpsGet(port, '/readyz', { ca: dev.ca, cert: dev.cert, key: dev.key })).resolves.toBe(404);
    await expect(httpsGet(port, '/metrics', { ca: dev.ca, cert: dev.cert, key: dev.key })).resolves.toBe(404);
    // … and provisioning routes from the admin listener.
    const res = await request(`${t.adminUrl}/provisioning/v1/demo`, { method: 'POST', body: '<x/>', headers: { 'content-type': 'text/xml' } });
    expect(res.statusCode).toBe(404);
    await res.body.text();
  });

  it('admin /healthz answers 200 and /readyz reports each check', async () => {
    const health = await request(`${t.adminUrl}/healthz`);
    expect(health.statusCode).toBe(200);
    await health.body.text();
    const ready = await request(`${t.adminUrl}/readyz`);
    const body = (await ready.body.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['store', 'certificate', 'webex']));
    expect(body.checks.store!.ok).toBe(true);
    expect(body.checks.certificate!.ok).toBe(true);
  });

  it('logs where the generated certificates are', () => {
    const events = t.logs.map((l) => l.event);
    expect(events).toEqual(expect.arrayContaining(['cert.self_signed.generated', 'cert.dev_trust.generated', 'listener.provisioning.up']));
    const devTrust = t.logs.find((l) => l.event === 'cert.dev_trust.generated')!;
    expect(devTrust.devClientCertificate).toMatch(/dev-client\/client\.crt$/);
    expect(devTrust.message).toMatch(/DEVELOPMENT/);
  });
});

describe('TLS handshake timeout (provisioning.handshakeTimeoutMs)', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ provisioning: { handshakeTimeoutMs: 300 } });
  });
  afterAll(() => t.stop());

  it('closes a raw TCP connection that never starts a handshake, long before Node’s 120 s default', async () => {
    const socket = net.connect(t.bridge.provisioningAddress.port, '127.0.0.1');
    const started = Date.now();
    // Far above the 300 ms configured, far below 120 s: robust on a loaded machine.
    const closed = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), 20_000);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(guard);
        resolve(true);
      });
    });
    socket.destroy();
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('a client that finishes its handshake in time is not affected', async () => {
    const dev = readDevClient(t.dataDir);
    await expect(httpsGet(t.bridge.provisioningAddress.port, '/', { ca: dev.ca, cert: dev.cert, key: dev.key })).resolves.toBe(404);
  });
});
