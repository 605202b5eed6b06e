import { retryDelayMs, pollDelayMs } from '../../../src/pipeline/backoff';
import { createRateLimiter, windowCap } from '../../../src/webex/pacing/rate-limiter';

describe('shared rate limiter (AIMD) and backoff', () => {
  test('halves on a 429 (once per burst), then climbs back linearly to the maximum', () => {
    let t = 10_000;
    const limiter = createRateLimiter({ maxPerSecond: 100, recoverySeconds: 5, now: () => t });
    expect(limiter.currentRate()).toBe(100);
    limiter.onRateLimited(1000);
    limiter.onRateLimited(1000);
    expect(limiter.decreases()).toBe(1);
    expect(limiter.currentRate()).toBe(50);
    t += 2500;
    expect(limiter.currentRate()).toBeCloseTo(75);
    limiter.onRateLimited();
    expect(limiter.currentRate()).toBeCloseTo(37.5);
    t += 60_000;
    expect(limiter.currentRate()).toBe(100);
  });

  test('paces calls at the current rate without bursts', async () => {
    const limiter = createRateLimiter({ maxPerSecond: 200 });
    const start = process.hrtime.bigint();
    for (let i = 0; i < 21; i++) await limiter.acquire();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // 21 calls at 200/s need at least 20 intervals of 5 ms.
    expect(ms).toBeGreaterThanOrEqual(95);
  });

  test('headroom never costs a small rate a whole call: 5/s sends 5 calls in a second, not 4', async () => {
    expect([1, 2.5, 5, 10, 33, 34, 100, 1000].map(windowCap)).toEqual([1, 2, 5, 10, 33, 33, 97, 970]);
    jest.useFakeTimers();
    try {
      const limiter = createRateLimiter({ maxPerSecond: 5 });
      let acquired = 0;
      const run = (async () => {
        for (let i = 0; i < 6; i++) {
          await limiter.acquire();
          acquired++;
        }
      })();
      // Paced at 200 ms: calls at 0, 200, …, 800 ms; the sixth must wait for the next second.
      await jest.advanceTimersByTimeAsync(999);
      expect(acquired).toBe(5);
      await jest.advanceTimersByTimeAsync(1000);
      await run;
      expect(acquired).toBe(6);
    } finally {
      jest.useRealTimers();
    }
  });

  test('leaves room for arrival jitter: no 1,050 ms window holds more calls than the rate allows', async () => {
    jest.useFakeTimers();
    try {
      const limiter = createRateLimiter({ maxPerSecond: 20 });
      const times: number[] = [];
      const run = (async () => {
        for (let i = 0; i < 80; i++) {
          await limiter.acquire();
          times.push(Date.now());
        }
      })();
      await jest.advanceTimersByTimeAsync(10_000);
      await run;
      // Calls that reach Webex up to 50 ms late still fit Webex's sliding second.
      const worst = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1050).length));
      expect(worst).toBeLessThanOrEqual(20);
    } finally {
      jest.useRealTimers();
    }
  });

  test('full jitter below an exponential ceiling, never shorter than Retry-After', () => {
    expect(retryDelayMs(0, { baseMs: 1000, maxMs: 60_000, random: () => 0.999 })).toBeLessThan(1000);
    expect(retryDelayMs(3, { baseMs: 1000, maxMs: 60_000, random: () => 0.5 })).toBe(4000);
    expect(retryDelayMs(20, { baseMs: 1000, maxMs: 60_000, random: () => 0.999 })).toBeLessThan(60_000);
    expect(retryDelayMs(0, { baseMs: 1000, maxMs: 60_000, retryAfterMs: 7000, random: () => 0 })).toBe(7000);
    expect([0, 1, 2, 3, 10].map((n) => pollDelayMs(n, { initialMs: 2000, maxMs: 60_000 }))).toEqual([2000, 4000, 8000, 16000, 60000]);
  });
});
