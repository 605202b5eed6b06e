import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ImpbError } from '../errors';
import type { Logger } from '../observability';
import type { CertPaths } from './cert-paths';
import type { PendingKeyInfo } from './certificate-types';
import type { CertificateMaterialStore, PendingKey } from './material-store';
import { writeFileAtomic } from './pem';
import { keyMatches, type ServerMaterial } from './server-certificate';
import { readServerMaterial } from './server-files';
import { createServerGenerations, type AfterFsStep } from './server-generations';
import { deleteTrustEntry, readTrustEntries, writeTrustEntry } from './trust-files';

/**
 * Certificate material as files under `<dataDir>/certs` (layout in cert-paths.ts): the server
 * set as generations behind stable symlinks, trust and pins as PEM files, CRLs as DER files,
 * the pending key 0600. The only certificate code that touches the filesystem.
 */
export function createFileMaterialStore(paths: CertPaths, options: { logger: Logger; afterFsStep?: AfterFsStep }): CertificateMaterialStore {
  const { logger } = options;
  const generations = createServerGenerations(paths, {
    afterFsStep: options.afterFsStep,
    onWarning: (message, err) => logger.warn(message, { event: 'cert.generations.warning', err }),
  });

  /** The set kept by releases before generations (certs/previous), when it is still a valid pair. */
  function legacyPrevious(): ServerMaterial | undefined {
    if (!fs.existsSync(paths.legacyPreviousCert)) return undefined;
    try {
      const previous = readServerMaterial({ serverKey: paths.legacyPreviousKey, serverCert: paths.legacyPreviousCert, serverChain: paths.legacyPreviousChain });
      return keyMatches(previous.cert, previous.keyPem) ? previous : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    readServer() {
      const server = readServerMaterial(paths);
      if (!keyMatches(server.cert, server.keyPem)) {
        throw new ImpbError('IMPB_ERR_CERT_KEY_MISMATCH', { message: `${paths.serverCert} does not match the key in ${paths.serverKey}` });
      }
      return server;
    },
    adoptServer(material) {
      if (!generations.layoutOk()) generations.adopt(material, legacyPrevious());
    },
    repairServerLayout(inUse) {
      if (generations.layoutOk()) return;
      let onDisk: ServerMaterial | undefined;
      try {
        const material = readServerMaterial(paths);
        if (keyMatches(material.cert, material.keyPem)) onDisk = material;
      } catch {
        onDisk = undefined;
      }
      if (!onDisk)
        logger.warn('the server key and certificate files on disk are not a valid pair: replaced by the set in use', {
          event: 'cert.generations.repaired',
          fingerprint: inUse.fingerprint,
        });
      generations.adopt(onDisk ?? inUse, legacyPrevious());
    },
    activateServer(next, meta) {
      generations.activate(next, meta);
    },
    currentServerMeta: () => generations.currentMeta(),
    previousServer() {
      const kept = generations.previous();
      if (!kept) return undefined;
      return {
        meta: generations.metaOf(kept),
        read: () => readServerMaterial(kept),
        certificate() {
          try {
            return new X509Certificate(fs.readFileSync(kept.serverCert));
          } catch {
            return undefined;
          }
        },
      };
    },
    tidy: () => generations.tidy(),

    ...pendingFiles(paths),

    readTrust: (readOptions) => readTrustEntries(paths, readOptions),
    writeTrust: (entry) => writeTrustEntry(paths, entry),
    deleteTrust: (entry) => deleteTrustEntry(entry),

    ...crlFiles(paths, logger),
  };
}

/** The key made by `cert csr` (0600) and what it was made for. */
function pendingFiles(paths: CertPaths): Pick<CertificateMaterialStore, 'readPending' | 'writePending' | 'clearPending'> {
  return {
    readPending(): PendingKey | undefined {
      if (!fs.existsSync(paths.pendingKey)) return undefined;
      const keyPem = fs.readFileSync(paths.pendingKey, 'utf8');
      const meta = fs.existsSync(paths.pendingMeta) ? (JSON.parse(fs.readFileSync(paths.pendingMeta, 'utf8')) as PendingKeyInfo) : undefined;
      return { keyPem, meta };
    },
    writePending(keyPem, meta) {
      writeFileAtomic(paths.pendingKey, keyPem, 0o600);
      writeFileAtomic(paths.pendingMeta, `${JSON.stringify(meta, null, 2)}\n`, 0o644);
    },
    clearPending() {
      fs.rmSync(paths.pendingKey, { force: true });
      fs.rmSync(paths.pendingMeta, { force: true });
    },
  };
}

/** One DER file per CA, named after the CA's fingerprint. */
function crlFiles(paths: CertPaths, logger: Logger): Pick<CertificateMaterialStore, 'listCrls' | 'writeCrl' | 'deleteCrl'> {
  const names = () =>
    fs.existsSync(paths.crlDir)
      ? fs
          .readdirSync(paths.crlDir)
          .filter((n) => n.endsWith('.crl'))
          .sort()
      : [];
  return {
    listCrls() {
      const out: Array<{ name: string; data: Buffer }> = [];
      for (const name of names()) {
        try {
          out.push({ name, data: fs.readFileSync(path.join(paths.crlDir, name)) });
        } catch (err) {
          logger.error('CRL ignored: cannot be read', { event: 'cert.crl.invalid', file: name, err });
        }
      }
      return out;
    },
    writeCrl: (issuerFingerprint, der) => writeFileAtomic(path.join(paths.crlDir, `${issuerFingerprint}.crl`), der, 0o644),
    deleteCrl: (name) => fs.rmSync(path.join(paths.crlDir, path.basename(name)), { force: true }),
  };
}
