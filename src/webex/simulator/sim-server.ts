import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimHandler } from './sim-handler';

const BODY_LIMIT = 1024 * 1024;

/** The loopback HTTP server: collects each body (1 MiB at most, else the socket is destroyed), then hands it over. */
export async function listenSimServer(handle: SimHandler, port: number, host: string): Promise<{ server: http.Server; baseUrl: string; port: number }> {
  const server = http.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        raw.destroy();
        return;
      }
      chunks.push(chunk);
    });
    raw.on('end', () => {
      void handle(raw, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.address.includes(':') ? `[${address.address}]` : address.address;
  return { server, baseUrl: `http://${hostForUrl}:${address.port}/v1`, port: address.port };
}
