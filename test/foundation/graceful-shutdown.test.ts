import fs from 'node:fs';
import https from 'node:https';
import { Router } from 'express';
import { certPaths, ensureFirstStartCertificates } from '../../src/certs';
import { buildTlsPolicy } from '../../src/certs/tls-policy';
import { configSchema } from '../../src/config';
import { createProvisioningApp } from '../../src/inbound/provisioning-app';
import { createProvisioningListener } from '../../src/inbound/provisioning-listener';
import { createSilentLogger } from '../../src/observability';
import { readDevClient } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';

function get(port: number, path: string, tlsOptions: https.RequestOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port, path, agent: false, ...tlsOptions }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A real mTLS provisioning listener whose one route waits until the test releases it. */
async function startListenerWithHeldRoute() {
  const temp = makeTempDir();
  const logger = createSilentLogger();
  const config = configSchema.parse({ dataDir: temp.dir, provisioning: { host: '127.0.0.1', port: 0 } });
  await ensureFirstStartCertificates({ dataDir: temp.dir, keyType: 'rsa-2048', validDays: 1, logger });
  const paths = certPaths(temp.dir);
  let release!: () => void;
  let markReached!: () => void;
  const reached = new Promise<void>((resolve) => (markReached = resolve));
  const router = Router();
  router.get('/held', (_req, res) => {
    release = () => res.send('finished');
    markReached();
  });
  const listener = createProvisioningListener({
    config,
    logger,
    secureContextOptions: buildTlsPolicy(config.tls, {
      keyPem: fs.readFileSync(paths.serverKey, 'utf8'),
      certPem: fs.readFileSync(paths.serverCert, 'utf8'),
      chainPems: [],
      trustPems: [fs.readFileSync(paths.devCaCert, 'utf8')],
    }),
    app: createProvisioningApp({ logger, routers: [router] }),
  });
  const { port } = await listener.listen();
  const dev = readDevClient(temp.dir);
  return {
    listener,
    request: () => get(port, '/held', { ca: dev.ca, cert: dev.cert, key: dev.key }),
    reached,
    release: () => release(),
    cleanup: temp.cleanup,
  };
}

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections, then closes', async () => {
    const s = await startListenerWithHeldRoute();
    const inFlight = s.request();
    await s.reached;
    expect(s.listener.inFlight()).toBe(1);
    const drained = s.listener.drain(5_000);
    // New connections are refused while the old request is still running.
    await expect(s.request()).rejects.toThrow();
    s.release();
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'finished' });
    await expect(drained).resolves.toEqual({ forced: false });
    s.cleanup();
  });

  it('forces the close when the drain timeout passes', async () => {
    const s = await startListenerWithHeldRoute();
    const hanging = s.request().catch((err: Error) => err);
    await s.reached;
    await expect(s.listener.drain(200)).resolves.toEqual({ forced: true });
    expect(await hanging).toMatchObject({ message: expect.any(String) });
    s.cleanup();
  });
});
