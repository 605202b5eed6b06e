import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { Config } from '../config/schema';
import { ImpbError } from '../errors';
import { certPaths } from './cert-paths';
import { splitCertificates } from './pem';

/** Everything a provisioning listener's secure context is built from. Immutable snapshot. */
export interface TlsMaterial {
  keyPem: string;
  /** Leaf first, then the chain. */
  certChainPem: string;
  /** Trust anchors (PEM, one per entry). */
  anchors: string[];
}

/** Reads server key/cert/chain and every PEM file in the trust dir. */
export function loadTlsMaterial(dataDir: string): TlsMaterial {
  const paths = certPaths(dataDir);
  let keyPem: string;
  let certPem: string;
  try {
    keyPem = fs.readFileSync(paths.serverKey, 'utf8');
    certPem = fs.readFileSync(paths.serverCert, 'utf8');
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CERT_INVALID', { message: `cannot read the server certificate or key in ${paths.root}`, cause: err });
  }
  const chainPem = fs.existsSync(paths.serverChain) ? fs.readFileSync(paths.serverChain, 'utf8') : '';
  const anchors: string[] = [];
  if (fs.existsSync(paths.trustDir)) {
    for (const file of fs.readdirSync(paths.trustDir).sort()) {
      if (!file.endsWith('.pem')) continue;
      for (const pem of splitCertificates(fs.readFileSync(path.join(paths.trustDir, file), 'utf8'))) {
        // Parse before it reaches Node: createSecureContext accepts garbage CAs silently.
        new X509Certificate(pem);
        anchors.push(pem);
      }
    }
  }
  return { keyPem, certChainPem: chainPem ? `${certPem.trim()}\n${chainPem.trim()}\n` : certPem, anchors };
}

/**
 * The full secure-context options, rebuilt from policy + material at every swap:
 * setSecureContext keeps nothing it is not given (minVersion, ca, ciphers would be lost).
 */
export function buildSecureContextOptions(tls: Config['tls'], material: TlsMaterial): SecureContextOptions {
  const options: SecureContextOptions = {
    key: material.keyPem,
    cert: material.certChainPem,
    minVersion: tls.minVersion,
  };
  if (material.anchors.length) options.ca = material.anchors;
  if (tls.ciphers) options.ciphers = tls.ciphers;
  return options;
}
