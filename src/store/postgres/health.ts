import type { PgPool } from './pool';

export interface StoreHealth {
  /** True while PostgreSQL answers, else why not. Asks at most once per TTL; concurrent callers share one probe. */
  check(): Promise<true | string>;
}

/** `SELECT 1` with a short timeout, its answer cached: /readyz may be polled by every load balancer without loading the database. */
export function createStoreHealth(pool: PgPool, ttlMs: number, timeoutMs = 2_000): StoreHealth {
  let last: { at: number; result: true | string } | undefined;
  let probing: Promise<true | string> | undefined;
  const probe = async (): Promise<true | string> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return true;
    } catch (err) {
      return `PostgreSQL unreachable: ${(err as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async check() {
      if (last && Date.now() - last.at < ttlMs) return last.result;
      probing ??= probe().then((result) => {
        last = { at: Date.now(), result };
        probing = undefined;
        return result;
      });
      return probing;
    },
  };
}
