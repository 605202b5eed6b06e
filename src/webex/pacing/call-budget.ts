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
    // Jitter so that the instances' takes do not fall into step.
    await sleep(wait * (1 + Math.random() * 0.2));
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
