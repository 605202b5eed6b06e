import { isWebexError } from '../../errors';
import type { RateLimiter } from './rate-limiter';
import type { WebexProvisioningApi } from '../../pipeline/webex-port';

/**
 * Wraps every method of a Webex port that has no HTTP layer of its own (the in-memory fakes of
 * the tests) with a limiter: acquire before the call, report 429s after it. The real client is
 * paced inside its HTTP layer instead (WebexHttpDeps.pacer), one exchange at a time.
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
