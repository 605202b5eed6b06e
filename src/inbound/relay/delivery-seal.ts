import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ImpbError } from '../../errors';
import { registerSecret } from '../../observability';
import type { Store } from '../../store';

/** What a queued request must keep verbatim to be sent later: its header fields and body bytes. */
export interface SealedRequest {
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * Seals what a relay_delivery job must send verbatim. The body may carry the user's IM&P
 * password, masked in every stored copy of a request a person can read; the job keeps it as
 * AES-256-GCM under a key kept in the store's settings (where rotated OAuth refresh tokens live
 * too), so the job views, the support report and a copy of the job rows show only ciphertext.
 * The request id is the additional data: a sealed body cannot be moved to another job.
 */
export interface DeliverySeal {
  seal(requestId: string, request: SealedRequest): string;
  open(requestId: string, sealed: string): SealedRequest;
}

const KEY_SETTING = 'relay.deliverySealKey';
const VERSION = 'v1';

/** The store's seal key, created in one unit of work the first time (several instances share it). */
export async function loadDeliverySeal(store: Pick<Store, 'transaction'>): Promise<DeliverySeal> {
  const encoded = await store.transaction(async (tx) => {
    const existing = await tx.settings.get(KEY_SETTING);
    if (existing) return existing;
    const created = randomBytes(32).toString('base64');
    await tx.settings.set(KEY_SETTING, created);
    return created;
  });
  registerSecret(encoded);
  return createDeliverySeal(Buffer.from(encoded, 'base64'));
}

export function createDeliverySeal(key: Buffer): DeliverySeal {
  if (key.length !== 32) throw new ImpbError('IMPB_ERR_CONFIG_INVALID', { message: 'the relay delivery seal key must be 32 bytes' });
  return {
    seal(requestId, request) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(requestId));
      const plain = Buffer.from(JSON.stringify({ headers: request.headers, body: request.body.toString('base64') }));
      const data = Buffer.concat([cipher.update(plain), cipher.final()]);
      return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
    },
    open(requestId, sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || data === undefined) {
        throw new ImpbError('IMPB_ERR_VALIDATION', { message: 'the queued request is not sealed in a form this release reads' });
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(Buffer.from(requestId));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
        const parsed = JSON.parse(plain.toString('utf8')) as { headers: Record<string, string | string[]>; body: string };
        return { headers: parsed.headers, body: Buffer.from(parsed.body, 'base64') };
      } catch (err) {
        throw new ImpbError('IMPB_ERR_VALIDATION', {
          message: 'the queued request cannot be opened with the store’s seal key (was the relay.deliverySealKey setting changed?)',
          cause: err,
        });
      }
    },
  };
}
