import type http from 'node:http';
import type net from 'node:net';

export interface DrainableServer {
  /** Requests currently being answered. */
  inFlight(): number;
  /** Stops accepting, lets in-flight requests finish (at most `timeoutMs`), then closes everything. */
  drain(timeoutMs: number): Promise<{ forced: boolean }>;
}

/**
 * Tracks in-flight requests on an HTTP(S) server so that shutdown can finish them before
 * exiting. Idle keep-alive sockets are closed at once; busy ones after their response.
 */
export function makeDrainable(server: http.Server): DrainableServer {
  let active = 0;
  let draining = false;
  const waiters = new Set<() => void>();
  const busySockets = new Map<net.Socket, number>();

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    active++;
    const socket = req.socket;
    busySockets.set(socket, (busySockets.get(socket) ?? 0) + 1);
    res.once('close', () => {
      active--;
      const n = (busySockets.get(socket) ?? 1) - 1;
      if (n <= 0) busySockets.delete(socket);
      else busySockets.set(socket, n);
      if (draining) {
        // Tell the client not to reuse the connection, and close it once idle.
        if (n <= 0) socket.end();
        if (active === 0) for (const wake of waiters) wake();
      }
    });
    if (draining) res.setHeader('Connection', 'close');
  });

  return {
    inFlight: () => active,
    async drain(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let forced = false;
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            forced = true;
            resolve();
          }, timeoutMs);
          timer.unref();
          waiters.add(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      server.closeAllConnections();
      await closed;
      return { forced };
    },
  };
}
