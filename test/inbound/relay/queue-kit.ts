import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCert } from '../../helpers/test-pki';

export interface Delivered {
  at: number;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The `<requestId>` a test document carries (the upstream counts deliveries by it). */
  requestKey?: string;
  user?: string;
}

export type UpstreamAnswer = { status: number; body?: string; headers?: Record<string, string> };

/** An HTTPS upstream with its own CA that can go down and come back on the same port (an outage). */
export interface OutageUpstream {
  url: string;
  port: number;
  received: Delivered[];
  answer(fn: (d: Delivered) => UpstreamAnswer): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const keyOf = (body: string, element: string) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(body)?.[1];

export async function startOutageUpstream(server: TestCert, path = '/prov/v1'): Promise<OutageUpstream> {
  const received: Delivered[] = [];
  let answer: (d: Delivered) => UpstreamAnswer = () => ({ status: 200, body: '<ok/>' });
  let port = 0;
  let srv: https.Server | undefined;
  const listen = async () => {
    const s = https.createServer({ key: server.keyPem, cert: server.certPem, keepAliveTimeout: 30_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('latin1');
        const d: Delivered = { at: Date.now(), url: req.url!, headers: req.headers, body, requestKey: keyOf(text, 'requestKey'), user: keyOf(text, 'userId') };
        const a = answer(d);
        if (a.status >= 200 && a.status < 300) received.push(d);
        res.writeHead(a.status, { 'Content-Type': 'text/xml; charset=UTF-8', ...(a.headers ?? {}) });
        res.end(a.body ?? '<ok/>');
      });
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    srv = s;
  };
  const stop = async () => {
    const s = srv;
    srv = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    url: `https://localhost:${port}${path}`,
    port,
    received,
    answer: (fn) => (answer = fn),
    down: stop,
    up: listen,
    close: stop,
  };
}

/** A modify of `user` that the upstream can count: `<requestKey>` is an element imp-bridge does not know and forwards untouched. */
export function queuedDocument(user: string, key: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">as1.example.net,1,${key}</sessionId>
  <command xsi:type="UserIntegratedIMPModifyRequest" xmlns="">
    <userId>${user}</userId>
    <lastName>N${key}</lastName>
    <requestKey>${key}</requestKey>${extra}
  </command>
</BroadsoftDocument>`;
}
