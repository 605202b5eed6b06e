import https from 'node:https';
import { Router } from 'express';
import fs from 'node:fs';
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

function serverTlsOptions(config: ReturnType<typeof configSchema.parse>, dataDir: string) {
  const paths = certPaths(dataDir);
  return buildTlsPolicy(config.tls, {
    keyPem: fs.readFileSync(paths.serverKey, 'utf8'),
    certPem: fs.readFileSync(paths.serverCert, 'utf8'),
    chainPems: [],
    trustPems: [fs.readFileSync(paths.devCaCert, 'utf8')],
  });
}

describe('graceful shutdown', () => {
  it('finishes a request in flight, refuses new connections, then closes', async () => {
    const temp = makeTempDir();
    const logger = createSilentLogger();
    const config = configSchema.parse({ dataDir: temp.dir, provisioning: { host: '127.0.0.1', port: 0 } });
    await ensureFirstStartCertificates({ dataDir: temp.dir, keyType: 'rsa-2048', validDays: 1, logger });
    let release!: () => void;
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const router = Router();
    router.get('/slow', (_req, res) => {
      release = () => res.send('finished');
      markStarted();
    });
    const listener = createProvisioningListener({
      config,
      logger,
      secureContextOptions: serverTlsOptions(config, temp.dir),
      app: createProvisioningApp({ logger, routers: [router] }),
    });
    const address = await listener.listen();
    const dev = readDevClient(temp.dir);
    const tlsOptions = { ca: dev.ca, cert: dev.cert, key: dev.key };
    const inFlight = get(address.port, '/slow', tlsOptions);
    await started;
    expect(listener.inFlight()).toBe(1);
    const drained = listener.drain(5_000);
    // New connections are refused while the old request is still running.
    await expect(get(address.port, '/slow', tlsOptions)).rejects.toThrow();
    release();
    await expect(inFlight).resolves.toEqual({ status: 200, body: 'finished' });
    await expect(drained).resolves.toEqual({ forced: false });
    temp.cleanup();
  });

  it('forces the close when the drain timeout passes', async () => {
    const temp = makeTempDir();
    const logger = createSilentLogger();
    const config = configSchema.parse({ dataDir: temp.dir, provisioning: { host: '127.0.0.1', port: 0 } });
    await ensureFirstStartCertificates({ dataDir: temp.dir, keyType: 'rsa-2048', validDays: 1, logger });
    const router = Router();
    let hit!: () => void;
    const reached = new Promise<void>((r) => (hit = r));
    router.get('/never', () => hit());
    const listener = createProvisioningListener({
      config,
      logger,
      secureContextOptions: serverTlsOptions(config, temp.dir),
      app: createProvisioningApp({ logger, routers: [router] }),
    });
    const address = await listener.listen();
    const dev = readDevClient(temp.dir);
    const hanging = get(address.port, '/never', { ca: dev.ca, cert: dev.cert, key: dev.key }).catch((err: Error) => err);
    await reached;
    await expect(listener.drain(200)).resolves.toEqual({ forced: true });
    expect(await hanging).toMatchObject({ message: expect.any(String) });
    temp.cleanup();
  });
});
