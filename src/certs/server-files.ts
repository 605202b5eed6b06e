import fs from 'node:fs';
import { ImpbError } from '../errors';
import type { CertPaths } from './cert-paths';
import { assembleServerMaterial, type ServerMaterial } from './server-certificate';

/** Reads the active material from disk (key, certificate, chain). */
export function readServerMaterial(paths: Pick<CertPaths, 'serverKey' | 'serverCert' | 'serverChain'>): ServerMaterial {
  let keyPem: string;
  let certText: string;
  try {
    keyPem = fs.readFileSync(paths.serverKey, 'utf8');
    certText = fs.readFileSync(paths.serverCert, 'utf8');
  } catch (err) {
    throw new ImpbError('IMPB_ERR_CERT_INVALID', {
      message: `cannot read the server certificate or key (${paths.serverCert}, ${paths.serverKey})`,
      cause: err,
    });
  }
  const chainText = fs.existsSync(paths.serverChain) ? fs.readFileSync(paths.serverChain, 'utf8') : undefined;
  return assembleServerMaterial(keyPem, certText, chainText);
}
