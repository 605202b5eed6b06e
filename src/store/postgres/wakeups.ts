import { Client, type ClientConfig } from 'pg';
import { ImpbError } from '../../errors';
import type { Logger } from '../../observability';
import type { PgPool } from './pool';

export interface WakeupListenerOptions {
  /**
   * A direct connection to PostgreSQL: LISTEN holds session state, which a pooler in
   * transaction mode (PgBouncer) does not keep, so this connection must not go through one.
   */
  clientConfig: ClientConfig;
  channel: string;
  /** Work may have arrived. Also called after a reconnect, since notifications sent meanwhile are lost. */
  onWake: (payload: string | undefined) => void;
  logger: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A query on the idle connection this often: a silently dead network is noticed. */
  pingEveryMs?: number;
}

export interface WakeupListener {
  start(): void;
  isListening(): boolean;
  /** Connections made after the first. */
  reconnects(): number;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * LISTEN/NOTIFY tells idle workers that work arrived. It is a hint, never the only path: the
 * callers keep polling, because a listener connection can drop (and notifications sent while it
 * is down are lost) and NOTIFY serialises the commits that send it.
 */
export function createWakeupListener(options: WakeupListenerOptions): WakeupListener {
  const { channel, logger } = options;
  if (!CHANNEL.test(channel))
    throw new ImpbError('IMPB_ERR_STARTUP', { message: `wake-up channel "${channel}": use lower-case letters, digits and "_" (at most 63)` });
  const initial = options.initialBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 10_000;
  let client: Client | undefined;
  let listening = false;
  let closed = false;
  let attempts = 0;
  let connections = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;

  const scheduleReconnect = (why: string) => {
    if (closed || retryTimer) return;
    const delay = Math.min(max, initial * 2 ** attempts++) * (0.8 + Math.random() * 0.4);
    logger.warn('wake-up listener disconnected; reconnecting (workers keep polling meanwhile)', {
      event: 'store.postgres.listener_down',
      channel,
      reason: why,
      retryInMs: Math.round(delay),
    });
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
    retryTimer.unref();
  };

  const drop = (c: Client, why: string) => {
    if (client !== c) return;
    client = undefined;
    listening = false;
    if (pingTimer) clearInterval(pingTimer);
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    scheduleReconnect(why);
  };

  const connect = async () => {
    if (closed) return;
    const c = new Client({ keepAlive: true, ...options.clientConfig });
    client = c;
    // 'error' must always have a listener: an unhandled one would end the process.
    c.on('error', (err) => drop(c, err.message));
    c.on('end', () => drop(c, 'connection ended'));
    c.on('notification', (msg) => {
      if (msg.channel === channel) options.onWake(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      drop(c, (err as Error).message);
      return;
    }
    if (closed || client !== c) return;
    listening = true;
    attempts = 0;
    if (connections++ > 0) {
      logger.info('wake-up listener reconnected', { event: 'store.postgres.listener_up', channel });
      options.onWake(undefined);
    }
    pingTimer = setInterval(() => void c.query('SELECT 1').catch((err: Error) => drop(c, err.message)), options.pingEveryMs ?? 30_000);
    pingTimer.unref();
  };

  return {
    start: () => void connect(),
    isListening: () => listening,
    reconnects: () => Math.max(0, connections - 1),
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (pingTimer) clearInterval(pingTimer);
      const c = client;
      client = undefined;
      listening = false;
      if (c) await c.end().catch(() => undefined);
    },
  };
}

/** Sends a wake-up; in a transaction it is delivered at COMMIT, and not at all on ROLLBACK. */
export async function notifyWakeup(db: Pick<PgPool, 'query'>, channel: string, payload = ''): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
}
