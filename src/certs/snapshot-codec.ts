import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ImpbError } from '../errors';
import type { CertificateSnapshot } from './certificate-snapshot';

const PREFIX = 'aes-256-gcm:';

/**
 * The snapshot as stored: JSON, or, with a configured key (32 bytes), AES-256-GCM over that
 * JSON, so that a database dump or a role that can read the table does not get the private keys.
 */
export function encodeSnapshot(snapshot: CertificateSnapshot, key?: Buffer): string {
  const json = JSON.stringify(snapshot);
  if (!key) return json;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function decodeSnapshot(text: string, key?: Buffer): CertificateSnapshot {
  if (!text.startsWith(PREFIX)) return JSON.parse(text) as CertificateSnapshot;
  if (!key)
    throw new ImpbError('IMPB_ERR_STARTUP', {
      message: 'the deployment certificates in the database are encrypted: set IMP_BRIDGE_STATE_ENCRYPTION_KEY as on the other instances',
    });
  const raw = Buffer.from(text.slice(PREFIX.length), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as CertificateSnapshot;
  } catch (err) {
    throw new ImpbError('IMPB_ERR_STARTUP', {
      message: 'cannot decrypt the deployment certificates: IMP_BRIDGE_STATE_ENCRYPTION_KEY differs from the one the other instances use',
      cause: err,
    });
  }
}

/** `IMP_BRIDGE_STATE_ENCRYPTION_KEY`: 32 bytes, base64 or hex. */
export function parseStateKey(value: string | undefined): Buffer | undefined {
  if (!value) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32)
    throw new ImpbError('IMPB_ERR_CONFIG_INVALID', {
      message: 'IMP_BRIDGE_STATE_ENCRYPTION_KEY must be 32 bytes (64 hex digits or 44 base64 characters; e.g. openssl rand -base64 32)',
      details: { problems: ['IMP_BRIDGE_STATE_ENCRYPTION_KEY: must be 32 bytes, base64 or hex'] },
    });
  return key;
}
