import type { WebexCallContext, WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { ALICE, createHarness, type Harness } from './harness';
import { createFakeWebex } from './fake-webex';

/**
 * Wraps every Webex call to see what runs at once: the users with a call in flight, and for
 * each job the span from its first call to the end of its last (ordered by a counter, not by time).
 */
function observeInFlight(api: WebexProvisioningApi) {
  const callsInFlight = new Map<string, number>();
  const jobSpans = new Map<number, { userId: string; first: number; last: number }>();
  let tick = 0;
  let peakUsers = 0;
  const wrapGroup = <G extends object>(group: G): G => {
    const wrapped: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(group) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
      wrapped[name] = async (...args: unknown[]) => {
        const ctx = args[args.length - 1] as WebexCallContext | undefined;
        const userId = ctx?.userId;
        if (!userId || ctx.jobId === undefined) return fn(...args);
        callsInFlight.set(userId, (callsInFlight.get(userId) ?? 0) + 1);
        peakUsers = Math.max(peakUsers, callsInFlight.size);
        const span = jobSpans.get(ctx.jobId) ?? { userId, first: ++tick, last: 0 };
        jobSpans.set(ctx.jobId, span);
        try {
          return await fn(...args);
        } finally {
          span.last = ++tick;
          const left = callsInFlight.get(userId)! - 1;
          if (left) callsInFlight.set(userId, left);
          else callsInFlight.delete(userId);
        }
      };
    }
    return wrapped as G;
  };
  return {
    api: Object.fromEntries(Object.entries(api).map(([name, group]) => [name, wrapGroup(group as object)])) as unknown as WebexProvisioningApi,
    peakUsers: () => peakUsers,
    /** Pairs of jobs of one user whose spans overlap. */
    overlappingJobs(): Array<[number, number]> {
      const spans = [...jobSpans.entries()];
      const out: Array<[number, number]> = [];
      for (const [a, sa] of spans)
        for (const [b, sb] of spans) if (a < b && sa.userId === sb.userId && sa.first < sb.last && sb.first < sa.last) out.push([a, b]);
      return out;
    },
    jobs: () => jobSpans.size,
  };
}

describe('pipeline concurrency', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  test('users run in parallel up to the configured concurrency, never two jobs of one user at once', async () => {
    h = await createHarness();
    const fake = createFakeWebex({ latencyMs: 15 });
    const observed = observeInFlight(fake.api);
    const users = Array.from({ length: 12 }, (_, i) => `c${i}@voip`);
    // Three different assigns per user (different data, so none is coalesced away), one user's
    // jobs next to each other in the queue: a claim that ignored per-user order would take them together.
    for (const u of users) for (const n of ['A', 'B', 'C']) await h.accept('assign', u, { ...ALICE, email: `${u}.mail`, lastName: n });
    await h.startWorker(observed.api, { concurrency: 4 });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 30_000 });

    expect(observed.jobs()).toBe(users.length * 3);
    expect(observed.peakUsers()).toBeGreaterThan(1);
    expect(observed.peakUsers()).toBeLessThanOrEqual(4);
    expect(observed.overlappingJobs()).toEqual([]);
    expect(await h.store.jobs.countByState()).toEqual({ done: users.length * 3 });
  });
});
