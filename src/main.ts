import type { AddressInfo } from 'node:net';
import { createAdminApp } from './admin/admin-app';
import { createAdminListener, type AdminListener } from './admin/admin-listener';
import { wireAdmin, type AdminWiring } from './admin/wire-admin';
import { wireCertificates, type CertificatesWiring } from './certs/wire-certificates';
import { loadConfig, redactConfig, type Config } from './config';
import { ImpbError, isImpbError } from './errors';
import { createProvisioningApp } from './inbound/provisioning-app';
import { createProvisioningListener, type ProvisioningListener } from './inbound/provisioning-listener';
import { wireRelayQueue } from './inbound/relay/queued-delivery';
import { wireInbound, type InboundWiring } from './inbound/wire-inbound';
import type { Closer } from './lifecycle/closer';
import { createLogger, createMetricsRegistry, registerSecret, resolveLogFormat, type Logger, type Registry } from './observability';
import { createDryRunPlanner } from './pipeline/dry-run-plan';
import { pipelineSettings, wirePipeline, type PipelineWiring } from './pipeline/wire-pipeline';
import { DEFAULT_CONFIG_CACHE_TTL_MS, openStore, withConfigCache, type OpenedStore, type Store } from './store';
import { createRetentionSchedule } from './store/retention-schedule';
import { seedFromConfig } from './templates/seed-from-config';
import { provisioningBaseUrlFromConfig } from './templates/template-view';
import { VERSION } from './version';
import { wireDeployment, type DeploymentDeps } from './wire-deployment';
import type { DeploymentAdminDeps } from './admin/routes/instance-routes';
import { wireWebex, type WebexWiring } from './webex/wire-webex';

export interface StartOptions {
  config: Config;
  logger?: Logger;
  metrics?: Registry;
  /** Where plain operator lines go (the first-start `send` command); none by default. */
  notice?: (text: string) => void;
  /** The configuration file `config` came from (loadConfig().source); its dialect section is live. */
  configFile?: string;
  /**
   * Shared deployment state on PostgreSQL (src/wire-deployment.ts): the PostgreSQL store's pool;
   * tests also give it to SQLite bridges so that two of them share certificates, token and leader.
   */
  sharedState?: Omit<DeploymentDeps, 'config' | 'logger' | 'store'>;
  /** How long template and cluster reads are reused (2 s); tests set it long to see that a NOTIFY, not the expiry, carried a change. */
  configCacheTtlMs?: number;
}

/** Every part of a running bridge, in the order they are wired (tests and the serve command read them). */
export interface BridgeParts {
  config: Config;
  logger: Logger;
  metrics: Registry;
  version: string;
  store: Store;
  certs: CertificatesWiring;
  webex: WebexWiring;
  pipeline: PipelineWiring;
  inbound: InboundWiring;
  /** Base URL the AS uses, e.g. https://bridge.example.net:8443 (known once the listener is up). */
  provisioningBaseUrl: string;
  /** Several instances: the deployment's instances, sessions and counters (absent: this process alone). */
  deployment?: DeploymentAdminDeps;
}

export interface ImpBridge {
  parts: BridgeParts;
  provisioning: ProvisioningListener;
  admin: AdminListener;
  provisioningAddress: AddressInfo;
  adminAddress: AddressInfo;
  /** Stops accepting, drains in-flight requests (bounded), closes every part and the store. */
  stop(): Promise<{ forced: boolean }>;
}

/** The composition root: config → store → certificates → Webex → pipeline → listeners. */
export async function startImpBridge(options: StartOptions): Promise<ImpBridge> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: resolveLogFormat(config.logFormat) });
  registerConfigSecrets(config);
  logger.info('starting imp-bridge', { event: 'startup', version: VERSION, node: process.version, config: redactConfig(config) });

  // Filled as each resource comes to exist, so a failure half-way closes what is already open.
  const closers: Closer[] = [];
  const opened: Array<ProvisioningListener | AdminListener> = [];
  const metrics = options.metrics ?? createMetricsRegistry();
  // store.kind: the embedded SQLite file, or PostgreSQL shared by several instances (migrated here, under its lock).
  const storage = await openStore(config, { logger });
  // Template and cluster reads (every flow-through request) are cached briefly; writes invalidate.
  const store = withConfigCache(storage.store, { ttlMs: options.configCacheTtlMs ?? DEFAULT_CONFIG_CACHE_TTL_MS });
  const base = { config, logger, metrics, store };
  try {
    // Several instances on PostgreSQL share state and elect one to run the scheduled work; alone (SQLite), none of this runs.
    const deployment =
      options.sharedState || storage.postgres
        ? await wireDeployment({ config, logger, store, pool: storage.postgres?.pool, ...options.sharedState })
        : undefined;
    if (deployment) closers.push(() => deployment.close());
    const isLeader = deployment?.isLeader;
    await seedFromConfig(config, store, logger);
    const retention = createRetentionSchedule({ store, policy: config.retention, intervalMs: config.retention.sweepIntervalMs, logger, isLeader });
    closers.push(retention.close);
    const certs = await wireCertificates({ ...base, replication: deployment?.certificates, isLeader });
    closers.push(certs.close);
    const webex = await wireWebex({ ...base, pacer: await storage.createPacer(config.pipeline.ratePerSecond) });
    closers.push(webex.close);
    // Queue-mode relay templates: the pipeline delivers what inbound stored (both need the seal).
    const relayQueue = await wireRelayQueue(base);
    closers.push(relayQueue.close);
    const pipeline = await wirePipeline({ ...base, webex, relay: relayQueue.delivery });
    closers.push(pipeline.close);
    resumeParkedJobsWhenCredentialsWork(webex, pipeline);
    // Shadow mode's plan: the pipeline's own job code, against a Webex that only writes the calls down.
    const planCalls = createDryRunPlanner({ store, settings: pipelineSettings(config) });
    const queue = { seal: relayQueue.seal, wake: () => pipeline.wake() };
    const inbound = await wireInbound({ ...base, notice: options.notice, configFile: options.configFile, planCalls, queue });
    closers.push(inbound.close);

    const provisioning = createProvisioningListener({
      config,
      logger,
      secureContextOptions: certs.secureContextOptions(),
      app: createProvisioningApp({ logger, routers: inbound.routers }),
    });
    certs.onChange((next) => provisioning.setSecureContext(next));
    const provisioningAddress = await listenOrExplain('provisioning', config.provisioning.host, config.provisioning.port, () => provisioning.listen());
    opened.push(provisioning);
    const provisioningBaseUrl = provisioningBaseUrlFromConfig(config, provisioningAddress.port);
    inbound.announce(provisioningBaseUrl);
    deployment?.attach({ inbound });
    const parts: BridgeParts = { ...base, version: VERSION, certs, webex, pipeline, inbound, provisioningBaseUrl, deployment: deployment?.admin };

    const adminWiring = wireAdmin(parts);
    closers.push(adminWiring.close);
    const admin = createBridgeAdminListener(parts, adminWiring, storage);
    const adminAddress = await listenOrExplain('admin', config.admin.host, config.admin.port, () => admin.listen());
    opened.push(admin);

    logger.info('mTLS provisioning listener up', {
      event: 'listener.provisioning.up',
      address: provisioningAddress.address,
      port: provisioningAddress.port,
      clientCertificate: config.provisioning.clientCertificate,
      url: `${provisioningBaseUrl}/provisioning/v1/<template>`,
    });
    logger.info('admin listener up', {
      event: 'listener.admin.up',
      url: `http://${config.admin.host}:${adminAddress.port}`,
      console: `http://${config.admin.host}:${adminAddress.port}/console/`,
    });

    const stop = createStop({ config, logger, store, provisioning, admin, closers });
    return { parts, provisioning, admin, provisioningAddress, adminAddress, stop };
  } catch (err) {
    for (const listener of opened.reverse()) await listener.drain(0).catch(() => undefined);
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    await store.close();
    throw err;
  }
}

/** Registered before the first log line, so no secret from the config can reach a log. */
function registerConfigSecrets(config: Config): void {
  for (const secret of [
    config.admin.token,
    config.webex.token,
    config.webex.oauth?.clientSecret,
    config.webex.oauth?.refreshToken,
    config.webex.serviceApp?.clientSecret,
    config.webex.serviceApp?.integrationToken,
  ]) {
    registerSecret(secret);
  }
}

/** The admin listener is ready only while the store is open and the certificates and Webex say so. */
function createBridgeAdminListener(parts: BridgeParts, adminWiring: AdminWiring, storage: Pick<OpenedStore, 'readiness'>): AdminListener {
  const { config, logger, certs, webex } = parts;
  return createAdminListener({
    host: config.admin.host,
    port: config.admin.port,
    app: createAdminApp({
      logger,
      routers: adminWiring.routers,
      readiness: [storage.readiness, ...certs.readiness, ...webex.readiness],
    }),
  });
}

interface StopDeps {
  config: Config;
  logger: Logger;
  store: Store;
  provisioning: ProvisioningListener;
  admin: AdminListener;
  closers: Closer[];
}

/** A second stop() gets the first one's promise: the parts are closed once, in reverse wiring order, the store last. */
function createStop({ config, logger, store, provisioning, admin, closers }: StopDeps): ImpBridge['stop'] {
  let stopping: Promise<{ forced: boolean }> | undefined;
  return () =>
    (stopping ??= (async () => {
      logger.info('shutting down: draining in-flight requests', { event: 'shutdown.start', inFlight: provisioning.inFlight() + admin.inFlight() });
      const [p, a] = await Promise.all([provisioning.drain(config.shutdown.drainTimeoutMs), admin.drain(config.shutdown.drainTimeoutMs)]);
      for (const close of closers.reverse()) await close();
      await store.close();
      const forced = p.forced || a.forced;
      logger.info('stopped', { event: 'shutdown.done', forced });
      return { forced };
    })());
}

/** The keys an operator changes when a listener cannot bind. */
const LISTENER_KEYS = {
  provisioning: { portKey: 'provisioning.port', portEnv: 'IMP_BRIDGE_PORT', hostKey: 'provisioning.host', hostEnv: 'IMP_BRIDGE_HOST' },
  admin: { portKey: 'admin.port', portEnv: 'IMP_BRIDGE_ADMIN_PORT', hostKey: 'admin.host', hostEnv: 'IMP_BRIDGE_ADMIN_HOST' },
} as const;

/** Jobs parked by a Webex 401/403 go back to the queue as soon as the probe sees the credentials work. */
function resumeParkedJobsWhenCredentialsWork(webex: WebexWiring, pipeline: PipelineWiring): void {
  webex.credentials.onRecovered(() => pipeline.resumeAwaitingCredentials());
}

async function listenOrExplain(name: keyof typeof LISTENER_KEYS, host: string, port: number, listen: () => Promise<AddressInfo>): Promise<AddressInfo> {
  try {
    return await listen();
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    const keys = LISTENER_KEYS[name];
    const reason = errno === 'EADDRINUSE' ? 'the port is already in use' : (err as Error).message;
    // A taken port or an address this host does not have is the operator's to fix (exit 2), named by key and variable.
    const fix =
      errno === 'EADDRINUSE'
        ? `set ${keys.portKey} (${keys.portEnv}) to a free port, or stop the process that holds ${port}`
        : errno === 'EADDRNOTAVAIL'
          ? `set ${keys.hostKey} (${keys.hostEnv}) to an address of this host`
          : errno === 'EACCES'
            ? `set ${keys.portKey} (${keys.portEnv}) to a port above 1023, or allow this process to bind ${port}`
            : undefined;
    throw new ImpbError('IMPB_ERR_STARTUP', {
      message: `${name} listener cannot listen on ${host}:${port}: ${reason}`,
      details: { listener: name, host, port, ...(fix ? { fix, usage: true } : {}) },
      cause: err,
    });
  }
}

/** `npm start`: load config (exit 2 when invalid), start, stop cleanly on SIGTERM/SIGINT. */
export async function runMain(): Promise<void> {
  let config: Config;
  let configFile: string | undefined;
  try {
    ({ config, source: configFile } = loadConfig());
  } catch (err) {
    if (isImpbError(err, 'IMPB_ERR_CONFIG_INVALID')) {
      const problems = (err.details.problems as string[] | undefined) ?? [err.message];
      process.stderr.write(`imp-bridge: configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`);
      for (const line of problems) process.stderr.write(`  ${line}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: resolveLogFormat(config.logFormat) });

  // Installed before start-up: a stop asked for meanwhile waits for start-up to finish (a safe
  // point: every part wired, so every part can be closed), then stops gracefully.
  let bridge: ImpBridge | undefined;
  let stopRequested = false;
  let exitWith = 0;
  const stopAndExit = () => {
    if (!bridge) return;
    // Bounded even if a part hangs in close: the drain timeout plus a margin for the closers.
    setTimeout(() => process.exit(1), config.shutdown.drainTimeoutMs + 5_000).unref();
    bridge.stop().then(
      () => process.exit(exitWith),
      (err: unknown) => {
        logger.error('shutdown failed', { event: 'shutdown.failed', err });
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`received ${signal}`, { event: 'signal', signal, duringStartup: !bridge });
    stopRequested = true;
    stopAndExit();
  };
  // A state we did not plan for: stop serving (gracefully, bounded) and exit 1 so a supervisor
  // restarts a clean process. An unhandled rejection is treated the same way, as Node itself
  // does by default since v15 (--unhandled-rejections=throw).
  const onFatal = (kind: 'uncaught exception' | 'unhandled promise rejection', err: unknown) => {
    logger.error(`${kind}: stopping`, { event: 'process.fatal', kind, err: err instanceof Error ? err : new Error(String(err)) });
    const first = exitWith === 0 && !stopRequested;
    exitWith = 1;
    stopRequested = true;
    if (!first) return;
    if (bridge) stopAndExit();
    else setTimeout(() => process.exit(1), config.shutdown.drainTimeoutMs).unref();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  process.on('uncaughtException', (err) => onFatal('uncaught exception', err));
  process.on('unhandledRejection', (reason) => onFatal('unhandled promise rejection', reason));

  try {
    bridge = await startImpBridge({ config, logger, configFile, notice: (text) => process.stderr.write(`${text}\n`) });
  } catch (err) {
    logger.error('start-up failed', { err, code: isImpbError(err) ? err.code : undefined });
    const usage = isImpbError(err, 'IMPB_ERR_STARTUP') && err.details.usage === true;
    if (usage) process.stderr.write(`imp-bridge: ${err.message}: ${String(err.details.fix)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.exit(usage ? 2 : 1);
  }
  if (stopRequested) stopAndExit();
}

if (require.main === module) {
  void runMain();
}
