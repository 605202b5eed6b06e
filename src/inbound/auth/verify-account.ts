import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword, type Template } from '../../domain';
import type { Credentials } from './basic-credentials';

/**
 * Checks credentials against a template's provisioning account. scrypt costs tens of
 * milliseconds, far too much for every request of a busy AS, so a successful check is
 * remembered for a while under a SHA-256 of a per-process random key and (template, stored
 * hash, user, password): memory never holds the password, and a changed password or hash
 * misses. The key is a prefix, not an HMAC: the digest never leaves the process, and a one-shot
 * hash costs a fraction of an HMAC's set-up on every request.
 */
export interface AccountVerifier {
  verify(template: Pick<Template, 'name' | 'account'>, credentials: Credentials): Promise<boolean>;
  /** Spends the same scrypt work as a real check (unknown template: no timing hint). */
  verifyNothing(password: string): Promise<void>;
}

const CACHE_TTL_MS = 10 * 60_000;
const CACHE_MAX = 1_000;

function sameText(a: string, b: string): boolean {
  const key = randomBytes(16);
  return timingSafeEqual(createHmac('sha256', key).update(a).digest(), createHmac('sha256', key).update(b).digest());
}

export function createAccountVerifier(): AccountVerifier {
  const key = randomBytes(32).toString('base64');
  const cache = new Map<string, number>();
  let dummyHash: Promise<string> | undefined;
  const cacheKey = (template: Pick<Template, 'name' | 'account'>, c: Credentials) =>
    hash('sha256', JSON.stringify([key, template.name, template.account.passwordHash, c.username, c.password]), 'base64');

  return {
    async verify(template, credentials) {
      const ck = cacheKey(template, credentials);
      const expires = cache.get(ck);
      if (expires !== undefined && expires > Date.now()) return true;
      const userOk = sameText(credentials.username, template.account.username);
      const passwordOk = await verifyPassword(credentials.password, template.account.passwordHash);
      if (!(userOk && passwordOk)) return false;
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(ck, Date.now() + CACHE_TTL_MS);
      return true;
    },
    async verifyNothing(password) {
      dummyHash ??= hashPassword(randomBytes(12).toString('base64url'));
      await verifyPassword(password, await dummyHash);
    },
  };
}
