import { createHash } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { ConfigInput } from '../../../src/config';
import type { TemplateConfig } from '../../../src/config/schema';
import type { UpstreamSettingsInput } from '../../../src/inbound/relay';
import { readDevClient, startTestBridge, type TestBridge } from '../../helpers/start-bridge';
import { createTestCa, issueCert, type TestCert } from '../../helpers/test-pki';
import { ACME_PASSWORD, templateConfig } from '../flowthrough-client';

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

export async function startPki(): Promise<{ upstreamCa: TestCert; upstreamServer: TestCert }> {
  const upstreamCa = await createTestCa('Upstream Test CA');
  const san = { subjectAltNames: ['localhost', '127.0.0.1'], usage: 'server' as const };
  return { upstreamCa, upstreamServer: await issueCert(upstreamCa, { commonName: 'localhost', ...san }) };
}

/** The existing provisioning URL: HTTPS with its own CA, recording what it receives. */
export async function startUpstream(ca: TestCert, server: TestCert, path = '/prov/v1'): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  let answer: { status: number; contentType: string; body: Buffer; headers: Record<string, string> } = {
    status: 200,
    contentType: 'text/xml; charset=UTF-8',
    body: Buffer.from('<ok/>'),
    headers: {},
  };
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
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

export interface Front {
  t: TestBridge;
  /** https://localhost:<port>/provisioning/v1/acme */
  url: string;
  origin: string;
  /** TLS connections the bridge's provisioning listener accepted. */
  connections(): number;
  /** An undici Pool presenting the dev client certificate, as an AS would. */
  client(connections: number): Pool;
  close(): Promise<void>;
}

/** imp-bridge itself, with one relay template `acme` pointing at the upstream. */
export async function startFront(upstream: UpstreamSettingsInput, template: Partial<TemplateConfig> = {}, overrides: ConfigInput = {}): Promise<Front> {
  const t = await startTestBridge({
    logLevel: 'info',
    ...overrides,
    templates: [
      templateConfig('acme', ACME_PASSWORD, {
        mode: 'relay',
        upstream: upstream as TemplateConfig['upstream'],
        ...template,
      }),
    ],
  });
  let connections = 0;
  t.bridge.provisioning.server.on('secureConnection', () => connections++);
  const dev = readDevClient(t.dataDir);
  const pools: Pool[] = [];
  return {
    t,
    url: `${t.provisioningUrl}/provisioning/v1/acme`,
    origin: t.provisioningUrl,
    connections: () => connections,
    client(n) {
      const pool = new Pool(t.provisioningUrl, {
        connections: n,
        connect: { ca: dev.ca, cert: dev.cert, key: dev.key },
      });
      pools.push(pool);
      return pool;
    },
    async close() {
      await Promise.all(pools.map((p) => p.close()));
      await t.stop();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
