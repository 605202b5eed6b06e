import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { makeDrainable, type DrainableServer } from '../lifecycle/drain-server';

export interface AdminListener extends DrainableServer {
  readonly server: http.Server;
  listen(): Promise<AddressInfo>;
}

/** The plain-HTTP admin listener (loopback by default): health, admin API, metrics. */
export function createAdminListener(options: { host: string; port: number; app: RequestListener }): AdminListener {
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, options.app);
  return {
    server,
    ...makeDrainable(server),
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
  };
}
