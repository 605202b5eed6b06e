import { Agent } from 'undici';
import type { Config } from '../config/schema';

/** The production dispatcher: pooled keep-alive connections with the configured timeouts. */
export function createWebexAgent(webex: Pick<Config['webex'], 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs'>): Agent {
  return new Agent({
    connect: { timeout: webex.connectTimeoutMs },
    headersTimeout: webex.headersTimeoutMs,
    bodyTimeout: webex.bodyTimeoutMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connections: 32,
  });
}
