import { createBudgetedRateLimiter, type CallBudget, type CallGrant } from '../../../src/webex/pacing/call-budget';

/** A budget in memory that records what the limiter asks of it. */
function fakeBudget(grants: Array<Partial<CallGrant> | Error>) {
  const calls: string[] = [];
  let rate = 10;
  const budget: CallBudget = {
    async take(n) {
      calls.push(`take ${n}`);
      const next = grants.shift() ?? { granted: n };
      if (next instanceof Error) throw next;
      return { granted: 0, tokensLeft: 0, rate, pausedForMs: 0, ...next };
    },
    async pause(untilMs) {
      calls.push(`pause ${untilMs}`);
    },
    async rateLimited() {
      calls.push('rateLimited');
      rate = 5;
    },
    currentRate: () => rate,
    decreases: () => (rate === 5 ? 1 : 0),
  };
  return { budget, calls };
}

describe('the rate limiter over a shared call budget', () => {
  it('takes one batch for several calls, and concurrent callers share one take', async () => {
    const { budget, calls } = fakeBudget([{ granted: 5 }, { granted: 5 }]);
    const limiter = createBudgetedRateLimiter(budget, { batchSize: 5 });
    await Promise.all(Array.from({ length: 7 }, () => limiter.acquire()));
    expect(calls).toEqual(['take 5', 'take 5']);
  });

  it('waits and asks again when the bucket is empty or paused', async () => {
    const { budget, calls } = fakeBudget([{ granted: 0, tokensLeft: 0, rate: 100 }, { granted: 0, pausedForMs: 30 }, { granted: 1 }]);
    const limiter = createBudgetedRateLimiter(budget, { batchSize: 5 });
    await limiter.acquire();
    expect(calls).toEqual(['take 5', 'take 5', 'take 5']);
  });

  it('a failing take (database away) is reported and retried; the call waits, it is not let through', async () => {
    const errors: unknown[] = [];
    const { budget, calls } = fakeBudget([new Error('connection refused'), new Error('connection refused'), { granted: 2 }]);
    const limiter = createBudgetedRateLimiter(budget, { batchSize: 5, onError: (e) => errors.push(e) });
    await limiter.acquire();
    expect(errors).toHaveLength(2);
    expect(calls).toEqual(['take 5', 'take 5', 'take 5']);
  });

  it('a 429 halves the shared rate, pauses everyone for its Retry-After and drops the permits held', async () => {
    const { budget, calls } = fakeBudget([{ granted: 5 }, { granted: 5 }]);
    const t = 1_000_000;
    const limiter = createBudgetedRateLimiter(budget, { batchSize: 5, now: () => t });
    await limiter.acquire();
    limiter.onRateLimited(2_000);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['take 5', 'rateLimited', `pause ${t + 2_000}`]);
    expect(limiter.currentRate()).toBe(5);
    expect(limiter.decreases()).toBe(1);
    await limiter.acquire();
    expect(calls[3]).toBe('take 5');
  });
});
