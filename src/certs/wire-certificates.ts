import type { ApiRoute } from '../admin/api-route';
import type { ReadinessCheck } from '../admin/health-routes';
import type { Closer, Runtime } from '../runtime';
import { certPaths } from './cert-paths';
import { notAfterMs } from './certificate-info';
import { createCertificateManager, type CertificateManager } from './certificate-manager';
import { certificateRoutes } from './certificate-routes';
import { watchDirectories } from './file-watch';
import { ensureFirstStartCertificates } from './first-start';
import type { ProvisioningTlsOptions } from './tls-policy';

export interface CertificatesWiring {
  /** The full secure-context options for the provisioning listener, as of now (with the client verifier). */
  secureContextOptions(): ProvisioningTlsOptions;
  /** Called with new full options whenever certificates or trust change (hot swap). */
  onChange(listener: (options: ProvisioningTlsOptions) => void): void;
  readiness: ReadinessCheck[];
  /** Admin API operations, relative to /api/v1 (trust, CRLs, server certificate); the admin API mounts and documents them. */
  routes: ApiRoute[];
  manager: CertificateManager;
  close: Closer;
}

export async function wireCertificates(rt: Runtime): Promise<CertificatesWiring> {
  const { config, logger } = rt;
  await ensureFirstStartCertificates({
    dataDir: config.dataDir,
    keyType: config.tls.keyType,
    validDays: config.tls.selfSignedDays,
    hostnames: config.provisioning.publicHostname ? [config.provisioning.publicHostname] : [],
    logger,
  });
  const paths = certPaths(config.dataDir);
  const manager = await createCertificateManager({ config, logger, store: rt.store, metrics: rt.metrics, paths });
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
    routes: certificateRoutes({ manager }),
    manager,
    close: () => {
      manager.scheduler.stop();
      watch.close();
    },
  };
}
