import { isWebexError } from '../errors';
import type { RateLimiter } from './rate-limiter';
import type { WebexProvisioningApi } from './webex-port';

/**
 * Wraps every method of the Webex port with the shared limiter: acquire before the call,
 * report 429s after it. A layer around the client, not code inside each call.
 */
export function withRateLimit(api: WebexProvisioningApi, limiter: RateLimiter): WebexProvisioningApi {
  const wrapGroup = <G extends object>(group: G): G =>
    new Proxy(group, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          await limiter.acquire();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (err) {
            if (isWebexError(err) && err.facts.httpStatus === 429) limiter.onRateLimited(err.facts.retryAfterMs);
            throw err;
          }
        };
      },
    });
  return { broadworks: wrapGroup(api.broadworks), wholesale: wrapGroup(api.wholesale), people: wrapGroup(api.people) };
}
