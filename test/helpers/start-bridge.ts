import fs from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import { configSchema, type ConfigInput } from '../../src/config';
import { certPaths } from '../../src/certs';
import { startImpBridge, type ImpBridge, type StartOptions } from '../../src/main';
import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { captureLogger } from './capture-logger';
import { makeTempDir } from './temp-dir';

export interface TestBridge {
  bridge: ImpBridge;
  dataDir: string;
  /** https://localhost:<port> of the mTLS listener. */
  provisioningUrl: string;
  /** http://127.0.0.1:<port> of the admin listener. */
  adminUrl: string;
  /** Every JSON log line written so far. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text, for "never appears" assertions. */
  logText(): string;
  /** An undici Agent presenting the generated dev client certificate. */
  devClientAgent(): Agent;
  stop(): Promise<void>;
}

/**
 * Starts the real proxy in-process: fresh data dir, both listeners on port 0, logs captured.
 * `overrides` is merged over the defaults (e.g. templates, webex settings).
 */
export async function startTestBridge(
  overrides: ConfigInput = {},
  options: { dataDir?: string; configFile?: string; sharedState?: StartOptions['sharedState']; configCacheTtlMs?: number } = {},
): Promise<TestBridge> {
  const temp = options.dataDir ? undefined : makeTempDir();
  const dataDir = options.dataDir ?? temp!.dir;
  const config = configSchema.parse({
    ...overrides,
    dataDir,
    provisioning: { host: '127.0.0.1', port: 0, ...(overrides.provisioning ?? {}) },
    admin: { host: '127.0.0.1', port: 0, ...(overrides.admin ?? {}) },
    logLevel: overrides.logLevel ?? 'debug',
  });
  const { logger, lines } = captureLogger(config.logLevel);
  const bridge = await startImpBridge({
    config,
    logger,
    configFile: options.configFile,
    sharedState: options.sharedState,
    configCacheTtlMs: options.configCacheTtlMs,
  });
  const paths = certPaths(dataDir);
  const agents: Agent[] = [];
  return {
    bridge,
    dataDir,
    provisioningUrl: `https://localhost:${bridge.provisioningAddress.port}`,
    adminUrl: `http://127.0.0.1:${bridge.adminAddress.port}`,
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    devClientAgent() {
      const agent = new Agent({
        connect: {
          ca: fs.readFileSync(paths.serverCert),
          cert: fs.readFileSync(paths.devClientCert),
          key: fs.readFileSync(paths.devClientKey),
        },
      });
      agents.push(agent);
      return agent;
    },
    async stop() {
      await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
      await bridge.stop();
      temp?.cleanup();
    },
  };
}

export function readDevClient(dataDir: string) {
  const paths = certPaths(dataDir);
  return {
    ca: fs.readFileSync(paths.serverCert, 'utf8'),
    cert: fs.readFileSync(paths.devClientCert, 'utf8'),
    key: fs.readFileSync(paths.devClientKey, 'utf8'),
    dir: path.dirname(paths.devClientCert),
  };
}

/**
 * Points the in-process CLI at a running test bridge, as an operator's environment would: an
 * empty config file, the bridge's data dir (admin token) and its admin port. Restore
 * process.env afterwards.
 */
export function pointCliAt(t: TestBridge): void {
  const emptyConfig = path.join(t.dataDir, 'empty.yaml');
  fs.writeFileSync(emptyConfig, '');
  process.env.IMP_BRIDGE_CONFIG = emptyConfig;
  process.env.IMP_BRIDGE_DATA_DIR = t.dataDir;
  process.env.IMP_BRIDGE_ADMIN_HOST = '127.0.0.1';
  process.env.IMP_BRIDGE_ADMIN_PORT = String(t.bridge.adminAddress.port);
}

/**
 * Start functions for a test bridge and a simulator whose results are stopped after each test
 * of the enclosing block (the bridge first, then the simulator), whether the test passed or not.
 */
export function stoppedAfterEachTest() {
  let bridge: TestBridge | undefined;
  let sim: WebexSimulator | undefined;
  afterEach(async () => {
    await bridge?.stop();
    await sim?.close();
    bridge = undefined;
    sim = undefined;
  });
  return {
    bridge: async (...args: Parameters<typeof startTestBridge>) => (bridge = await startTestBridge(...args)),
    simulator: async (...args: Parameters<typeof startWebexSimulator>) => (sim = await startWebexSimulator(...args)),
  };
}
