import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyType } from '../config/schema';
import { ImpbError } from '../errors';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
  keyType: KeyType;
}

const RSA_BITS: Record<KeyType, number> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };

/**
 * Keys come from node:crypto (async, off the event loop); node-forge only builds and signs
 * with them. RSA only: node-forge cannot sign with EC keys (see ../shared/protocol/tls-in-node.md).
 */
export async function generateKey(keyType: KeyType): Promise<KeyPairPem> {
  const modulusLength = RSA_BITS[keyType];
  if (String(keyType).startsWith('ec')) {
    throw new ImpbError('IMPB_ERR_CERT_KEY_TYPE', {
      message: `key type ${JSON.stringify(keyType)} is not supported: imp-bridge builds and signs certificates and CSRs with node-forge, which signs with RSA keys only; use rsa-2048 (default), rsa-3072 or rsa-4096`,
    });
  }
  if (!modulusLength) {
    throw new ImpbError('IMPB_ERR_CERT_KEY_TYPE', {
      message: `unsupported key type ${JSON.stringify(keyType)}: use one of ${Object.keys(RSA_BITS).join(', ')}`,
    });
  }
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, keyType };
}
