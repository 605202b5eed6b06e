import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ClientVerdict, ClientVerifier } from '../certs/client-verifier';
import type { ProvisioningTlsOptions } from '../certs/tls-policy';
import type { Config } from '../config/schema';
import { makeDrainable, type DrainableServer } from '../lifecycle/drain-server';
import type { Logger } from '../observability';
import { answerRefusal } from './tls-refusal-answer';

export interface ProvisioningListener extends DrainableServer {
  readonly server: https.Server;
  listen(): Promise<AddressInfo>;
  /**
   * Swaps the secure context for new handshakes; open connections finish undisturbed, except
   * those whose client the new trust no longer accepts (closed once idle, E3).
   */
  setSecureContext(options: ProvisioningTlsOptions): void;
}

export interface ProvisioningListenerDeps {
  config: Config;
  /** Full secure context options (key, cert chain, anchors, protocol floor) and the client verifier. */
  secureContextOptions: ProvisioningTlsOptions;
  app: RequestListener;
  logger: Logger;
}

const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** The HTTPS server's options: the secure context, the client certificate request and the timeouts. */
function serverOptionsFor({ config, secureContextOptions }: ProvisioningListenerDeps): https.ServerOptions {
  return {
    ...secureContextOptions,
    requestCert: config.provisioning.clientCertificate !== 'off',
    rejectUnauthorized: false,
    // Node's default is 120 s: a raw TCP connection that never speaks TLS would hold a socket that long.
    handshakeTimeout: config.provisioning.handshakeTimeoutMs,
    headersTimeout: config.provisioning.headersTimeoutMs,
    requestTimeout: config.provisioning.requestTimeoutMs,
    keepAliveTimeout: config.provisioning.keepAliveTimeoutMs,
    // Node checks header/request timeouts only on this interval (30 s by default), which would
    // let a slow-loris client hold a socket far past headersTimeout.
    connectionsCheckingInterval: Math.max(250, Math.min(1_000, Math.floor(config.provisioning.headersTimeoutMs / 4))),
  };
}

/**
 * The mTLS provisioning listener. OpenSSL verifies client chains against the trust anchors;
 * the handshake completes even for a refused client (rejectUnauthorized: false) so that the
 * reason can be logged and revocation checked per CA. A refused client never reaches the HTTP
 * server: its request is not parsed, it gets one fixed 403 naming the reason, then the socket
 * is closed (tls-refusal-answer.ts).
 */
export function createProvisioningListener(deps: ProvisioningListenerDeps): ProvisioningListener {
  const { config, logger } = deps;
  const mode = config.provisioning.clientCertificate;
  let verifier: ClientVerifier | undefined = deps.secureContextOptions.clientVerifier;
  // Dry-run first: a key/cert mismatch must fail here, with a clear message, not at the first handshake.
  tls.createSecureContext(deps.secureContextOptions);
  const server = https.createServer(serverOptionsFor(deps), deps.app);
  server.on('tlsClientError', (err, socket) => {
    logger.debug('TLS handshake refused', { event: 'tls.handshake_refused', reason: err.message, remoteAddress: socket.remoteAddress });
  });

  const logRefusal = createRefusalLog(logger);

  // Live TLS sockets and how many requests each is answering, to re-check them after a trust change.
  const live = new Map<tls.TLSSocket, { busy: number; closeWhenIdle: boolean }>();
  // Refused sockets still reading their answer: destroyed at once on shutdown.
  const refused = new Map<tls.TLSSocket, () => void>();
  // http's own connection listener (the one that creates the parser) runs only for accepted
  // sockets: a refused client's bytes never reach an HTTP parser, route or log of requests.
  const httpListeners = server.listeners('secureConnection') as Array<(socket: tls.TLSSocket) => void>;
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const verdict =
      verifier?.check(socket, mode) ??
      (mode === 'required' && !socket.authorized
        ? { ok: false as const, reason: String(socket.authorizationError ?? 'NO_CLIENT_CERTIFICATE') }
        : { ok: true as const });
    if (!verdict.ok) {
      logRefusal(verdict, socket, 'handshake');
      // No TLS alert can be sent from here: Node's OpenSSL verify callback accepts every chain and
      // Node has no API to send an alert after the handshake. Measured on Node 20.20 / OpenSSL 3.0:
      // with rejectUnauthorized: true an unknown-CA client sees only EOF too; just a missing
      // certificate gets an OpenSSL alert (certificate_required, 116), and that setting would refuse
      // pinned leaves and hide every other reason. So the client is told in HTTP, as nginx does.
      refused.set(socket, answerRefusal(socket, verdict));
      socket.once('close', () => refused.delete(socket));
      return;
    }
    if ('pinned' in verdict && verdict.pinned) {
      // A pinned leaf is accepted by fingerprint although OpenSSL found no CA for it.
      socket.authorized = true;
      socket.authorizationError = undefined as unknown as Error;
    }
    live.set(socket, { busy: 0, closeWhenIdle: false });
    socket.once('close', () => live.delete(socket));
    for (const listener of httpListeners) listener.call(server, socket);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = live.get(req.socket as tls.TLSSocket);
    if (!state) return;
    state.busy++;
    res.once('close', () => {
      state.busy--;
      if (state.closeWhenIdle && state.busy === 0) req.socket.destroy();
    });
    if (state.closeWhenIdle) res.setHeader('Connection', 'close');
  });

  const drainable = makeDrainable(server);

  return {
    server,
    ...drainable,
    drain(timeoutMs) {
      for (const destroy of refused.values()) destroy();
      return drainable.drain(timeoutMs);
    },
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
      verifier = options.clientVerifier ?? verifier;
      if (!verifier) return;
      // E3: open connections still carry the trust of their handshake; re-check each one.
      for (const [socket, state] of live) {
        const verdict = verifier.check(socket, mode);
        if (verdict.ok) continue;
        logRefusal(verdict, socket, 'trust-change');
        if (state.busy === 0) socket.destroy();
        else state.closeWhenIdle = true;
      }
    },
  };
}

/** One warning per reason and client per minute; the rest are counted in the next line. */
function createRefusalLog(logger: Logger) {
  const refusalLog = new Map<string, { at: number; suppressed: number }>();
  return (verdict: Extract<ClientVerdict, { ok: false }>, socket: tls.TLSSocket, phase: 'handshake' | 'trust-change'): void => {
    const key = `${verdict.reason}|${verdict.fingerprint ?? socket.remoteAddress}`;
    const now = Date.now();
    const last = refusalLog.get(key);
    if (last && now - last.at < REFUSAL_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    if (refusalLog.size > 1_000) refusalLog.clear();
    refusalLog.set(key, { at: now, suppressed: 0 });
    logger.warn(phase === 'handshake' ? 'client certificate refused' : 'open connection closed: its client is no longer trusted', {
      event: phase === 'handshake' ? 'tls.client_refused' : 'tls.client_untrusted_after_change',
      reason: verdict.reason,
      subject: verdict.subject,
      fingerprint: verdict.fingerprint,
      remoteAddress: socket.remoteAddress,
      suppressedSinceLast: last?.suppressed ?? 0,
    });
  };
}
