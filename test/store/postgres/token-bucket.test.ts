import { describePostgres } from '../../helpers/postgres';
import { createBudgetedRateLimiter, type CallBudget } from '../../../src/webex/pacing/call-budget';
import type { RateLimiter } from '../../../src/webex/pacing/rate-limiter';
import { migratePostgres } from '../../../src/store/postgres/migrate';
import { createPgCallBudget } from '../../../src/store/postgres/token-bucket';

const RATE = 50;
const BATCH = 5;
const CLIENTS = 3;

/** Most calls in any sliding window of `windowMs` (timestamps sorted). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describePostgres('the shared Webex call budget (token bucket in PostgreSQL)', (pg) => {
  let name = 0;
  const budgets = async (count: number, rate = RATE): Promise<CallBudget[]> => {
    const budgetName = `webex-${++name}`;
    return Promise.all(
      Array.from({ length: count }, () => createPgCallBudget({ pool: pg.createPool({ poolSize: 2 }), name: budgetName, ratePerSecond: rate, capacity: BATCH })),
    );
  };

  /** Four callers per limiter acquire in a loop until `until.at` (which the test may move on); returns each limiter's call times. */
  async function drive(limiters: RateLimiter[], until: { at: number }): Promise<number[][]> {
    return Promise.all(
      limiters.map(async (limiter) => {
        const times: number[] = [];
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (Date.now() < until.at) {
              await limiter.acquire();
              if (Date.now() < until.at) times.push(Date.now());
            }
          }),
        );
        return times;
      }),
    );
  }

  beforeAll(async () => {
    await migratePostgres(pg.createPool({ poolSize: 1 }), { logger: pg.logger });
  });

  it('three instances at 50/s together never exceed the rate (per sliding second, one batch per instance of tolerance)', async () => {
    const limiters = (await budgets(CLIENTS)).map((b) => createBudgetedRateLimiter(b, { batchSize: BATCH }));
    const started = Date.now();
    const perClient = await drive(limiters, { at: started + 4_000 });
    const all = perClient.flat().sort((a, b) => a - b);
    const seconds = (Date.now() - started) / 1000;
    const busiest = maxInWindow(all, 1_000);
    process.stdout.write(`shared budget at ${RATE}/s, ${CLIENTS} instances: busiest second ${busiest} calls, ${all.length} in ${seconds.toFixed(2)} s\n`);
    expect(busiest).toBeLessThanOrEqual(RATE + CLIENTS * BATCH);
    // The whole run: the rate plus the bucket's capacity, never more.
    expect(all.length).toBeLessThanOrEqual(Math.ceil(RATE * seconds) + BATCH);
    // And the budget is used, not starved (loose: a loaded machine delays the takes).
    expect(all.length).toBeGreaterThan(RATE * 4 * 0.5);
    expect(perClient.every((t) => t.length > 0)).toBe(true);
  }, 20_000);

  it('a take never grants more than asked or than the bucket holds, and refills by the server clock', async () => {
    const [budget] = await budgets(1, 10);
    const first = await budget!.take(3);
    expect(first).toMatchObject({ granted: 3, rate: 10, pausedForMs: 0 });
    const second = await budget!.take(100);
    expect(second.granted).toBeLessThanOrEqual(BATCH - 3 + 1);
    const empty = await budget!.take(5);
    expect(empty.granted).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 350));
    const refilled = await budget!.take(5);
    expect(refilled.granted).toBeGreaterThanOrEqual(3);
    expect(refilled.granted).toBeLessThanOrEqual(BATCH);
  });

  it('a pause set by one instance (429 with Retry-After) is seen by all of them', async () => {
    const all = await budgets(CLIENTS);
    const limiters = all.map((b) => createBudgetedRateLimiter(b, { batchSize: BATCH }));
    const started = Date.now();
    const until = { at: started + 3_000 };
    const running = drive(limiters, until);
    await new Promise((r) => setTimeout(r, 800));
    limiters[0]!.onRateLimited(1_000);
    // onRateLimited is fire-and-forget; the pause is in the row once this take sees it.
    let pausedAt = 0;
    let pausedForMs = 0;
    while (!pausedAt) {
      const grant = await all[1]!.take(0);
      if (grant.pausedForMs > 0) [pausedAt, pausedForMs] = [Date.now(), grant.pausedForMs];
    }
    // Two seconds of the halved rate after the pause, however late a loaded machine saw it: at
    // 25 calls/s in batches of 5 shared by three instances, a shorter window left one without a
    // batch (a fresh-clone CI run).
    until.at = Math.max(until.at, pausedAt + pausedForMs + 2_000);
    const perClient = await running;
    // While paused only permits already held can be spent: at most one batch per instance.
    const during = perClient.map((times) => times.filter((t) => t > pausedAt && t < pausedAt + pausedForMs - 50).length);
    for (const n of during) expect(n).toBeLessThanOrEqual(BATCH);
    // Afterwards every instance goes on.
    for (const times of perClient) expect(times.some((t) => t > pausedAt + 1_000)).toBe(true);
    expect(limiters[2]!.decreases()).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('the additive recovery is shared: a halving seen by one instance slows the others, then the rate climbs back', async () => {
    const [a, b] = await budgets(2, 40);
    await a!.rateLimited();
    await a!.rateLimited(); // the same burst of 429s: counted once
    const seen = await b!.take(1);
    expect(seen.rate).toBeGreaterThanOrEqual(20);
    expect(seen.rate).toBeLessThan(30);
    expect(b!.decreases()).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect((await b!.take(1)).rate).toBeGreaterThan(seen.rate + 1);
  });

  it('permits held too long are dropped, not spent as a late burst', async () => {
    const [budget] = await budgets(1, 1000);
    let takes = 0;
    const counted: CallBudget = { ...budget!, take: (n) => (takes++, budget!.take(n)) };
    let t = 0;
    const limiter = createBudgetedRateLimiter(counted, { batchSize: BATCH, holdMs: 100, now: () => t });
    await limiter.acquire(); // takes a batch, spends one
    await limiter.acquire(); // spends a held one
    expect(takes).toBe(1);
    t = 1_000; // the three permits still held are now too old
    await limiter.acquire();
    expect(takes).toBe(2);
  });

  it('concurrent takes from ten connections never spend the same tokens twice', async () => {
    // 0.2 calls/s: during the race the bucket holds its capacity (5) and nothing more. (The naive
    // form, UPDATE ... FROM (SELECT ... FROM call_budget), granted 50 in this race: the sub-select
    // is not re-read after waiting for the row lock.)
    const all = await budgets(10, 0.2);
    const grants = await Promise.all(all.map((b) => b.take(5)));
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(BATCH);
  });
});
