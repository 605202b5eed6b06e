import type { RateLimiter } from './rate-limiter';

/**
 * A Webex call budget shared by every instance of a deployment: the configured calls per second
 * is the partner account's limit, not one process's. The pipeline declares what it needs; the
 * PostgreSQL store implements it as a token bucket in one row (store/postgres/token-bucket.ts).
 */
export interface CallBudget {
  /** Takes up to `n` call permits. Never more than `n`; 0 while paused or when the bucket is empty. */
  take(n: number): Promise<CallGrant>;
  /** Every instance stops taking permits until `untilMs` (this process's clock; applied as a duration). */
  pause(untilMs: number): Promise<void>;
  /** A 429: the shared rate halves (at most once a second for the whole deployment) and recovers linearly. */
  rateLimited(): Promise<void>;
  /** The shared rate as last seen, calls per second. */
  currentRate(): number;
  /** Halvings of the shared rate, as last seen. */
  decreases(): number;
}

export interface CallGrant {
  granted: number;
  /** Permits left in the bucket after this take. */
  tokensLeft: number;
  /** The shared rate now, calls per second. */
  rate: number;
  /** How long the deployment stays paused (0: not paused). */
  pausedForMs: number;
}

export interface BudgetedLimiterOptions {
  /** Permits taken per round trip: the row is touched once per batch, not once per call. */
  batchSize?: number;
  /**
   * Permits held longer than this are dropped: spent late they would add a burst on top of the
   * rate. A process that dies loses what it holds, at most one batch.
   */
  holdMs?: number;
  /** A failed take (database unreachable): calls wait and the take is retried. */
  onError?: (err: unknown) => void;
  now?: () => number;
}

/**
 * How a deployment limit of `ratePerSecond` becomes a bucket: the receiver (Webex, the
 * simulator) counts calls in a sliding second, and a bucket of capacity C refilled at R can
 * grant C + R within one second (it starts the second full). So R = limit − C: never more than
 * the limit per sliding second. C is 3 % of the rate (1 to 25): the margin it costs, and the
 * slack (C / R, ~30 ms) a take may come late before the full bucket wastes permits. Takes are
 * half the capacity (at most 5), so two instances can take from a full bucket. Without this,
 * 3 instances at 40/s drew a 429 every few seconds, each a shared pause and a halving
 * (docs/benchmarks.md, drain-instances).
 */
export function budgetShape(ratePerSecond: number): { refillPerSecond: number; capacity: number; batch: number } {
  const capacity = Math.max(1, Math.min(25, Math.ceil(ratePerSecond * 0.03)));
  const batch = Math.max(1, Math.min(5, Math.floor(capacity / 2)));
  return { capacity, batch, refillPerSecond: Math.max(ratePerSecond / 2, ratePerSecond - capacity) };
}

/**
 * The in-process `RateLimiter` interface over a shared `CallBudget`, so the Webex client and the
 * workers keep one limiter whichever store runs. Waiters share one take at a time.
 */
export function createBudgetedRateLimiter(budget: CallBudget, options: BudgetedLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const batchSize = Math.max(1, options.batchSize ?? 5);
  const holdMs = options.holdMs ?? 1_000;
  let held = 0;
  let heldAt = 0;
  let taking: Promise<void> | undefined;
  let failures = 0;

  const refill = async () => {
    let wait: number;
    try {
      const grant = await budget.take(batchSize);
      failures = 0;
      if (grant.granted > 0) {
        held += grant.granted;
        heldAt = now();
        return;
      }
      // Until a whole batch can be there (others may take it first: then once more).
      const refillMs = (Math.max(1, batchSize - grant.tokensLeft) / Math.max(grant.rate, 0.01)) * 1000;
      wait = Math.max(grant.pausedForMs, refillMs);
    } catch (err) {
      options.onError?.(err);
      wait = Math.min(5_000, 100 * 2 ** failures++);
    }
    // Jitter so that the instances' takes do not fall into step, and early rather than late: the
    // bucket holds one batch at most, so every millisecond it sits full after the refill is a
    // permit nobody gets (late jitter of up to 20 % plus the round trip cost one instance ~16 %
    // of the rate; docs/benchmarks.md). Woken early, a take gets the part of the batch refilled.
    await sleep(wait * (0.8 + Math.random() * 0.2));
  };

  return {
    async acquire() {
      for (;;) {
        if (held > 0 && now() - heldAt > holdMs) held = 0;
        if (held > 0) {
          held--;
          return;
        }
        taking ??= refill().finally(() => (taking = undefined));
        await taking;
      }
    },
    onRateLimited(retryAfterMs?: number) {
      held = 0;
      void budget.rateLimited().catch((err: unknown) => options.onError?.(err));
      if (retryAfterMs !== undefined && retryAfterMs > 0) void budget.pause(now() + retryAfterMs).catch((err: unknown) => options.onError?.(err));
    },
    currentRate: () => budget.currentRate(),
    decreases: () => budget.decreases(),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
