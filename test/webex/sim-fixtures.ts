import { Agent } from 'undici';
import { createSilentLogger } from '../../src/observability';
import type { BroadworksSubscriberCreate, WebexCallObservation, WholesaleCustomerCreate } from '../../src/pipeline/webex-port';
import { startWebexSimulator, type WebexSimulator, type WebexSimulatorOptions } from '../../src/webex/simulator';
import { createStaticTokenProvider, type WebexTokenProvider } from '../../src/webex/tokens/token-provider';
import { createWebexClient, type WebexClientDeps } from '../../src/webex/webex-client';

export const SIM_TOKEN = 'sim-test-token-0123456789';

export interface SimAndClient {
  sim: WebexSimulator;
  client: ReturnType<typeof createWebexClient>;
  agent: Agent;
  calls: WebexCallObservation[];
  close(): Promise<void>;
}

/** A simulator on port 0 and a client talking to it over a real socket. */
export async function startSimAndClient(
  simOptions: Partial<WebexSimulatorOptions> = {},
  clientOptions: Partial<WebexClientDeps> & { tokens?: WebexTokenProvider } = {},
): Promise<SimAndClient> {
  const sim = await startWebexSimulator({ token: SIM_TOKEN, provisioningDelayMs: 20, ...simOptions });
  const agent = new Agent({ connect: { timeout: 2000 } });
  const calls: WebexCallObservation[] = [];
  const client = createWebexClient({
    baseUrl: sim.baseUrl,
    dispatcher: agent,
    tokens: clientOptions.tokens ?? createStaticTokenProvider(SIM_TOKEN),
    logger: createSilentLogger(),
    onCall: (obs) => calls.push(obs),
    ...clientOptions,
  });
  return {
    sim,
    client,
    agent,
    calls,
    async close() {
      await agent.close();
      await sim.close();
    },
  };
}

export function bwCreate(overrides: Partial<BroadworksSubscriberCreate> = {}): BroadworksSubscriberCreate {
  return {
    provisioningId: 'PROV-1',
    userId: 'alice@sp.example',
    spEnterpriseId: 'SP1+acme',
    firstName: 'Alice',
    lastName: 'Anders',
    package: 'standard',
    email: 'alice@acme.example',
    primaryPhoneNumber: '+1-240-555-1212',
    extension: '1212',
    language: 'en',
    timezone: 'America/Los_Angeles',
    ...overrides,
  };
}

export function customerCreate(overrides: Partial<WholesaleCustomerCreate> = {}): WholesaleCustomerCreate {
  return {
    provisioningId: 'WS-PROV-1',
    packages: ['webex_calling'],
    externalId: 'SP1+acme',
    address: { addressLine1: '771 Alder Drive', city: 'Milpitas', stateOrProvince: 'CA', zipOrPostalCode: '95035', country: 'US' },
    customerInfo: { name: 'Acme', primaryEmail: 'admin@acme.example', language: 'en' },
    provisioningParameters: { calling: { location: { name: 'HQ', timezone: 'America/Los_Angeles', language: 'en_us' } } },
    ...overrides,
  };
}

/** Polls until `check` returns a value (never asserts a time; gives up after a generous bound). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
