/**
 * Per-source brute-force brake: after `limit` failed authentications within a minute each
 * further request from that source waits base·2^(n−limit) ms; at `limit`·2 failures the
 * source is refused (429) until its oldest failure leaves the window.
 */
export interface AuthThrottle {
  /** What to do with the next request from this source. */
  check(source: string): { delayMs: number } | { blockedForSeconds: number };
  recordFailure(source: string): void;
  failures(source: string): number;
  reset(): void;
}

const WINDOW_MS = 60_000;
const MAX_SOURCES = 10_000;
const MAX_DELAY_MS = 30_000;

export function createAuthThrottle(options: { limit: number; baseDelayMs: number; now?: () => number }): AuthThrottle {
  const now = options.now ?? Date.now;
  const bySource = new Map<string, number[]>();
  const hardLimit = options.limit * 2;

  const recent = (source: string): number[] => {
    const list = bySource.get(source);
    if (!list) return [];
    const cutoff = now() - WINDOW_MS;
    while (list.length && list[0]! <= cutoff) list.shift();
    if (!list.length) bySource.delete(source);
    return list;
  };

  return {
    check(source) {
      const list = recent(source);
      if (list.length >= hardLimit) {
        return { blockedForSeconds: Math.max(1, Math.ceil((list[list.length - hardLimit]! + WINDOW_MS - now()) / 1000)) };
      }
      if (list.length < options.limit) return { delayMs: 0 };
      return { delayMs: Math.min(MAX_DELAY_MS, options.baseDelayMs * 2 ** (list.length - options.limit)) };
    },
    recordFailure(source) {
      const list = recent(source);
      if (!bySource.has(source)) {
        // Bounded memory under a spray of sources: forget the oldest entry.
        if (bySource.size >= MAX_SOURCES) bySource.delete(bySource.keys().next().value!);
        bySource.set(source, list);
      }
      list.push(now());
      if (list.length > hardLimit) list.shift();
    },
    failures: (source) => recent(source).length,
    reset: () => bySource.clear(),
  };
}
