import { createHash } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTestCa, issueCert, type TestCert } from '../../helpers/test-pki';
import type { Logger } from '../../../src/observability';
import { relayRequest, type RelayExchange, type RelayForwarder } from '../../../src/inbound/relay';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodySha: string;
  body: Buffer;
}

export interface Upstream {
  url: string;
  ca: TestCert;
  seen: SeenRequest[];
  connections(): number;
  /** The answer for the next requests. */
  answerWith(answer: { status: number; contentType: string; body: Buffer; headers?: Record<string, string> }): void;
  close(): Promise<void>;
}

export async function startPki(): Promise<{ upstreamCa: TestCert; upstreamServer: TestCert; frontCa: TestCert; frontServer: TestCert }> {
  const upstreamCa = await createTestCa('Upstream Test CA');
  const frontCa = await createTestCa('Front Test CA');
  const san = { subjectAltNames: ['localhost', '127.0.0.1'], usage: 'server' as const };
  return {
    upstreamCa,
    upstreamServer: await issueCert(upstreamCa, { commonName: 'localhost', ...san }),
    frontCa,
    frontServer: await issueCert(frontCa, { commonName: 'localhost', ...san }),
  };
}

/** The existing provisioning URL: HTTPS with its own CA, recording what it receives. */
export async function startUpstream(ca: TestCert, server: TestCert, path = '/prov/v1'): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  let answer: { status: number; contentType: string; body: Buffer; headers: Record<string, string> } = { status: 200, contentType: 'text/xml; charset=UTF-8', body: Buffer.from('<ok/>'), headers: {} };
  const srv = https.createServer({ key: server.keyPem, cert: server.certPem, keepAliveTimeout: 30_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bodySha: sha256(body), body });
      res.writeHead(answer.status, { 'Content-Type': answer.contentType, ...answer.headers });
      res.end(answer.body);
    });
  });
  srv.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(srv.address() as AddressInfo).port}${path}`,
    ca,
    seen,
    connections: () => connections,
    answerWith: (a) => (answer = { headers: {}, ...a }),
    close: () => new Promise<void>((resolve) => { srv.closeAllConnections(); srv.close(() => resolve()); }),
  };
}

export interface Front {
  url: string;
  connections(): number;
  exchanges: RelayExchange[];
  close(): Promise<void>;
}

/**
 * Stands in for the provisioning listener until the relay handler is mounted there: an HTTPS
 * express app relaying everything under /provisioning/v1/acme.
 */
export async function startFront(server: TestCert, forwarder: RelayForwarder, logger: Logger): Promise<Front> {
  const exchanges: RelayExchange[] = [];
  const app = express();
  app.use('/provisioning/v1/acme', (req, res, next) => {
    const pathOnly = req.originalUrl.split('?')[0]!;
    const subPath = pathOnly === '/provisioning/v1/acme' ? '' : req.path;
    relayRequest(req, res, 'acme', subPath, forwarder, { logger, bodyLimitBytes: 1 << 20, onExchange: (e) => void exchanges.push(e) }).catch(next);
  });
  let connections = 0;
  const srv = https.createServer({ key: server.keyPem, cert: server.certPem, keepAliveTimeout: 30_000 }, app);
  srv.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(srv.address() as AddressInfo).port}/provisioning/v1/acme`,
    connections: () => connections,
    exchanges,
    close: () => new Promise<void>((resolve) => { srv.closeAllConnections(); srv.close(() => resolve()); }),
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
