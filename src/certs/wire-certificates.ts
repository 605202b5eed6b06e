import type { SecureContextOptions } from 'node:tls';
import type { ReadinessCheck } from '../admin/health-routes';
import type { Closer, Runtime } from '../runtime';
import { ensureFirstStartCertificates } from './first-start';
import { buildSecureContextOptions, loadTlsMaterial } from './tls-material';

export interface CertificatesWiring {
  /** The full secure-context options for the provisioning listener, as of now. */
  secureContextOptions(): SecureContextOptions;
  /** Called with new full options whenever certificates or trust change (hot swap). */
  onChange(listener: (options: SecureContextOptions) => void): void;
  readiness: ReadinessCheck[];
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
  const options = buildSecureContextOptions(config.tls, loadTlsMaterial(config.dataDir));
  return {
    secureContextOptions: () => options,
    onChange: () => undefined,
    readiness: [{ name: 'certificate', check: () => (options.cert ? true : 'no server certificate loaded') }],
    close: () => undefined,
  };
}
