import type { Config } from '../config/schema';
import type { Closer } from '../lifecycle/closer';
import type { ReadinessCheck } from '../lifecycle/readiness';
import type { Logger, Registry } from '../observability';
import type { Store } from '../store';
import { certPaths } from './cert-paths';
import { notAfterMs } from './certificate-info';
import { createCertificateManager, type CertificateManager } from './certificate-manager';
import type { CertificateReplication } from './certificate-replication';
import { createFileMaterialStore } from './file-material-store';
import { watchDirectories } from './file-watch';
import { ensureFirstStartCertificates } from './first-start';
import type { ProvisioningTlsOptions } from './tls-policy';

export interface CertificatesWiring {
  /** The full secure-context options for the provisioning listener, as of now (with the client verifier). */
  secureContextOptions(): ProvisioningTlsOptions;
  /** Called with new full options whenever certificates or trust change (hot swap). */
  onChange(listener: (options: ProvisioningTlsOptions) => void): void;
  readiness: ReadinessCheck[];
  /** The certificate services (the admin API's certificate routes, doctor and overview read it). */
  manager: CertificateManager;
  close: Closer;
}

export interface CertificatesDeps {
  config: Config;
  logger: Logger;
  store: Store;
  metrics: Registry;
  /** Several instances on PostgreSQL: the deployment's certificates, shared through the database. */
  replication?: CertificateReplication;
  /** Whether this instance runs the scheduled work (expiry alerts, self-signed renewal); always, alone. */
  isLeader?: () => boolean;
}

export async function wireCertificates({ config, logger, store, metrics, replication, isLeader }: CertificatesDeps): Promise<CertificatesWiring> {
  const firstStart = () =>
    ensureFirstStartCertificates({
      dataDir: config.dataDir,
      keyType: config.tls.keyType,
      validDays: config.tls.selfSignedDays,
      hostnames: config.provisioning.publicHostname ? [config.provisioning.publicHostname] : [],
      logger,
    });
  const paths = certPaths(config.dataDir);
  if (replication) await replication.prepare(paths, firstStart);
  else await firstStart();
  const material = replication?.wrapMaterial(createFileMaterialStore(paths, { logger }));
  const manager = await createCertificateManager({ config, logger, store, metrics, paths, material, isLeader });
  replication?.attach(manager);
  manager.scheduler.start();
  const watch = watchDirectories([paths.root, paths.trustDir, paths.pinDir, paths.crlDir], () => void manager.reloadFromDisk(), {
    debounceMs: config.tls.fileWatchDebounceMs,
    logger,
    followed: () => [paths.serverCurrent],
  });
  manager.onChange(() => watch.refresh());

  return {
    secureContextOptions: () => manager.options(),
    onChange: (listener) => manager.onChange(listener),
    readiness: [
      {
        name: 'certificate',
        check: () => {
          const cert = manager.serverCertificate();
          return notAfterMs(cert) > Date.now() ? true : `the server certificate expired on ${new Date(notAfterMs(cert)).toISOString()}`;
        },
      },
    ],
    manager,
    close: async () => {
      manager.scheduler.stop();
      watch.close();
      await replication?.close();
    },
  };
}
