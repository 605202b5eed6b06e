import { Agent } from 'undici';
import { createSilentLogger } from '../../src/observability';
import type { WebexCallPacer, WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { startWebexSimulator, type WebexSimulator, type WebexSimulatorOptions } from '../../src/webex/simulator';
import { createStaticTokenProvider } from '../../src/webex/tokens/token-provider';
import { createWebexClient } from '../../src/webex/webex-client';

export interface SimUnderTest {
  sim: WebexSimulator;
  client: WebexProvisioningApi;
  close(): Promise<void>;
}

/** The built-in simulator on a loopback port and the real client talking to it over sockets (paced by `pacer` when given). */
export async function startSim(options: Partial<WebexSimulatorOptions> = {}, client: { pacer?: WebexCallPacer } = {}): Promise<SimUnderTest> {
  const token = 'sim-token-for-tests-0123456789';
  const sim = await startWebexSimulator({ host: '127.0.0.1', port: 0, token, provisioningDelayMs: 20, customerProvisioningDelayMs: 60, ...options });
  const dispatcher = new Agent({ connections: 64 });
  const api = createWebexClient({
    baseUrl: sim.baseUrl,
    dispatcher,
    tokens: createStaticTokenProvider(token, 'test'),
    logger: createSilentLogger(),
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    pacer: client.pacer,
  });
  return {
    sim,
    client: api,
    async close() {
      await dispatcher.close().catch(() => undefined);
      await sim.close();
    },
  };
}

/** Request bodies the simulator received for one user, in arrival order. */
export function bodiesFor(sim: WebexSimulator, userId: string): Array<{ method: string; path: string; body: Record<string, unknown> }> {
  return sim.requestLog
    .filter((e) => e.status !== 0 && e.body && (e.body as { userId?: string }).userId === userId)
    .map((e) => ({ method: e.method, path: e.path, body: e.body as Record<string, unknown> }));
}
