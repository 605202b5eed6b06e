/**
 * One limiter shared by every Webex call of the process. Calls are paced (no bursts) at the
 * current rate; a 429 halves the rate (at most once per second, so one burst of 429s counts
 * once) and the rate then climbs back linearly to the configured maximum (AIMD), which keeps
 * a bulk migration just under Webex's limit instead of oscillating through storms of 429s.
 */
export interface RateLimiter {
  /** Resolves when the caller may send one call. */
  acquire(): Promise<void>;
  /**
   * A 429 came back. The rate halves; the Retry-After itself is honoured by the job that got
   * it (its retry waits at least that long), not by pausing every other call.
   */
  onRateLimited(retryAfterMs?: number): void;
  currentRate(): number;
  /** How many times the rate was halved. */
  decreases(): number;
}

export interface RateLimiterOptions {
  maxPerSecond: number;
  /** The floor the rate never drops below. */
  minPerSecond?: number;
  /** Seconds to climb from half back to full rate. */
  recoverySeconds?: number;
  now?: () => number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const max = options.maxPerSecond;
  const min = Math.min(max, options.minPerSecond ?? Math.max(0.2, max / 64));
  const climbPerMs = max / 2 / ((options.recoverySeconds ?? 5) * 1000);
  let floorRate = max;
  let lastDecreaseAt = -Infinity;
  let nextSlotAt = 0;
  let decreaseCount = 0;
  const sent: number[] = [];

  const rate = () => Math.min(max, floorRate + (now() - lastDecreaseAt) * climbPerMs);

  return {
    async acquire() {
      const t = now();
      const slot = Math.max(t, nextSlotAt);
      nextSlotAt = slot + 1000 / rate();
      if (slot > t) await sleep(slot - t);
      // Timers fire late when the event loop stalls, and late calls leave together: also keep
      // every sliding second at or under the rate, which is how Webex (and the simulator) count.
      // The window is a little longer than a second because calls reach Webex with jitter: a call
      // that leaves 1,000 ms after another may arrive 990 ms after it (measured: 26 x 429 and
      // 8 halvings over 12,000 calls at 200/s with a 1,000 ms window, none with 1,050 ms).
      for (;;) {
        const at = now();
        while (sent.length && sent[0] <= at - WINDOW_MS) sent.shift();
        if (sent.length < windowCap(rate())) {
          sent.push(at);
          return;
        }
        await sleep(sent[0] + WINDOW_MS - at + 1);
      }
    },
    onRateLimited() {
      const t = now();
      if (t - lastDecreaseAt < 1000) return;
      floorRate = Math.max(min, rate() / 2);
      lastDecreaseAt = t;
      decreaseCount++;
    },
    currentRate: rate,
    decreases: () => decreaseCount,
  };
}

/**
 * Calls allowed in any sliding second. 3 % headroom, since calls leave in bursts of a few
 * milliseconds and reach Webex with jitter, counted in whole calls: below 34/s that is none, so
 * the default 5/s keeps all five of its calls instead of losing one (20 %) to the rounding.
 */
/** One second plus the arrival jitter of calls leaving on time (see acquire). */
const WINDOW_MS = 1_050;

export function windowCap(ratePerSecond: number): number {
  return Math.max(1, Math.floor(ratePerSecond) - Math.floor(ratePerSecond * 0.03));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
