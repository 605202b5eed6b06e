import type { X509Certificate } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Config, KeyType } from '../config/schema';
import type { Logger } from '../observability';
import type { Store } from '../store/port';
import type { CertPaths } from './cert-paths';
import { createCertificateAudit } from './certificate-audit';
import type { CertificateActor } from './certificate-types';
import { createClientSightings } from './client-sightings';
import { createCrlStore } from './crl-store';
import { createMaterialLoader, type ReloadOptions } from './disk-reload';
import { createFileMaterialStore } from './file-material-store';
import type { CertificateMaterialStore } from './material-store';
import { createRenewalScheduler } from './renewal-scheduler';
import { createServerCertificateService } from './server-certificate-service';
import type { AfterFsStep } from './server-generations';
import { createTlsContext } from './tls-context';
import type { ProvisioningTlsOptions } from './tls-policy';
import { createTrustService } from './trust-service';

export type { CertificateActor, CrlInfo, InstallCheckResult, InstallResult, PendingKeyInfo, ServerCertificateView, TrustListItem } from './certificate-types';

export interface CertificateManagerDeps {
  config: Config;
  logger: Logger;
  store: Pick<Store, 'audit' | 'settings' | 'clusters'>;
  metrics: Registry;
  paths: CertPaths;
  now?: () => number;
  /** Test seam: called after each filesystem step of an activation; throwing there simulates a crash. */
  afterFsStep?: AfterFsStep;
  /** Where the material is kept; files under `paths` unless given. */
  material?: CertificateMaterialStore;
  /** Several instances: only the leader alerts on expiry and renews the self-signed default. */
  isLeader?: () => boolean;
}

export type CertificateManager = Awaited<ReturnType<typeof createCertificateManager>>;

/**
 * Composes the certificate services around one TLS context: trust store, CRL store, server
 * certificate, renewal scheduler, and the loader that picks up changes made on disk. Every
 * change is validated and dry-run in memory first, then stored, then handed to the listener
 * as one new full secure context; a refused change leaves everything as it was. Changes are
 * serialised. The flat methods are what the admin routes, the CLI and the wiring call.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async by contract: the material store behind it becomes a database for several instances, callers already await
export async function createCertificateManager(deps: CertificateManagerDeps) {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const sightings = createClientSightings(now);
  const context = createTlsContext({ tls: config.tls, logger, now, onVerified: (anchor, identity) => sightings.record(anchor, identity) });
  const material = deps.material ?? createFileMaterialStore(deps.paths, { logger, afterFsStep: deps.afterFsStep });
  const audit = createCertificateAudit(deps.store.audit, logger);
  // Every change ends with an expiry check (which may renew); bound late, the scheduler needs the server service.
  const afterChange = () => void scheduler.check();
  const crls = createCrlStore({ context, material, logger, audit, now });
  const loader = createMaterialLoader({ context, material, crls, logger, audit, now, afterChange });
  const trust = createTrustService({ config, logger, clusters: deps.store.clusters, context, material, crls, sightings, audit, now, afterChange });
  const server = createServerCertificateService({ config, logger, settings: deps.store.settings, context, material, audit, now, afterChange });
  const scheduler = createRenewalScheduler({ config, logger, metrics: deps.metrics, now, context, server, isLeader: deps.isLeader });

  context.commit(loader.load());
  material.adoptServer(context.state().server);
  material.tidy();

  return {
    trust,
    crls,
    server,
    scheduler,
    /** The full secure-context options as of now (immutable). */
    options: (): ProvisioningTlsOptions => context.state().options,
    onChange: (listener: (options: ProvisioningTlsOptions) => void): void => context.onChange(listener),
    clientVerifier: context.verifier,
    serverCertificate: (): X509Certificate => server.certificate(),
    lastExpiry: () => scheduler.last(),
    checkExpiry: () => scheduler.check(),
    reloadFromDisk: (options?: ReloadOptions) => loader.reload(options),
    /** Runs `fn` between certificate changes (replication reads a consistent snapshot this way). */
    exclusive: <T>(fn: () => Promise<T> | T): Promise<T> => context.exclusive(fn),
    material,
    /** Fingerprints of the trusted certificates in use. */
    trustedFingerprints: (): Set<string> => new Set(context.state().trust.map((e) => e.fingerprint)),
    trustList: () => trust.list(),
    trustDiff: (pems: string[], options: { leaf?: boolean } = {}) => trust.diff(pems, options),
    trustAdd: (pems: string[], actor: CertificateActor, options: { leaf?: boolean; replace?: boolean } = {}) => trust.add(pems, actor, options),
    trustRemove: (fingerprint: string, actor: CertificateActor) => trust.remove(fingerprint, actor),
    crlList: () => crls.list(),
    crlAdd: (data: Buffer | string, actor: CertificateActor) => crls.add(data, actor),
    show: () => server.show(),
    createCsr: (spec: { commonName: string; subjectAltNames: string[]; keyType: KeyType }, actor: CertificateActor) => server.createCsr(spec, actor),
    checkInstall: (input: { certPem: string; chainPem?: string }) => server.checkInstall(input),
    install: (input: { certPem: string; chainPem?: string }, actor: CertificateActor) => server.install(input, actor),
    rollback: (actor: CertificateActor) => server.rollback(actor),
    renewSelfSigned: (actor: CertificateActor) => server.renewSelfSigned(actor),
  };
}
