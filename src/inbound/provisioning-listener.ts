import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { RequestListener } from 'node:http';
import type { Config } from '../config/schema';
import { makeDrainable, type DrainableServer } from '../lifecycle/drain-server';
import type { Logger } from '../observability';

export interface ProvisioningListener extends DrainableServer {
  readonly server: https.Server;
  listen(): Promise<AddressInfo>;
  /** Swaps the secure context for new handshakes; open connections are not disturbed. */
  setSecureContext(options: tls.SecureContextOptions): void;
}

export interface ProvisioningListenerDeps {
  config: Config;
  /** Full secure context options (key, cert chain, anchors, protocol floor). */
  secureContextOptions: tls.SecureContextOptions;
  app: RequestListener;
  logger: Logger;
}

/**
 * The mTLS provisioning listener. Client certificates are requested and verified against the
 * trust anchors by OpenSSL; in `required` mode an unverified client never reaches HTTP.
 */
export function createProvisioningListener(deps: ProvisioningListenerDeps): ProvisioningListener {
  const { config, logger } = deps;
  const mode = config.provisioning.clientCertificate;
  const serverOptions: https.ServerOptions = {
    ...deps.secureContextOptions,
    requestCert: mode !== 'off',
    rejectUnauthorized: mode === 'required',
    headersTimeout: config.provisioning.headersTimeoutMs,
    requestTimeout: config.provisioning.requestTimeoutMs,
    keepAliveTimeout: config.provisioning.keepAliveTimeoutMs,
    // Node checks header/request timeouts only on this interval (30 s by default), which would
    // let a slow-loris client hold a socket far past headersTimeout.
    connectionsCheckingInterval: Math.max(250, Math.min(1_000, Math.floor(config.provisioning.headersTimeoutMs / 4))),
  };
  // Dry-run first: a key/cert mismatch must fail here, with a clear message, not at the first handshake.
  tls.createSecureContext(deps.secureContextOptions);
  const server = https.createServer(serverOptions, deps.app);
  server.on('tlsClientError', (err, socket) => {
    logger.debug('TLS handshake refused', { event: 'tls.handshake_refused', reason: err.message, remoteAddress: socket.remoteAddress });
  });
  const drainable = makeDrainable(server);

  return {
    server,
    ...drainable,
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.provisioning.port, config.provisioning.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    setSecureContext(options) {
      tls.createSecureContext(options);
      server.setSecureContext(options);
    },
  };
}
