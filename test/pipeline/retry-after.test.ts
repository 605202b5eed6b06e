import { ALICE, createHarness, type Harness } from './harness';
import { startSim, type SimUnderTest } from './sim-harness';

describe('Retry-After', () => {
  let h: Harness;
  let s: SimUnderTest;
  afterEach(async () => {
    await h?.close();
    await s?.close();
  });

  test('after a 429 with Retry-After: 3 the job is not due again until at least 3 s after the failure', async () => {
    s = await startSim({ faults: { retryAfter: '3', failNext: { status: 429, count: 1, method: 'POST', path: '/broadworks/subscribers' } } });
    h = await createHarness();
    // retryMaxMs (100 ms in the fast settings) is far below the Retry-After: Webex's wish wins.
    await h.startWorker(s.client);
    await h.accept('assign', 'alice@voip', ALICE);
    let job = (await h.store.jobs.list({ userId: 'alice@voip' }))[0]!;
    for (let i = 0; i < 250 && job.state !== 'retry_wait'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      job = (await h.store.jobs.list({ userId: 'alice@voip' }))[0]!;
    }
    expect(job).toMatchObject({ state: 'retry_wait', attempts: 1, lastError: { httpStatus: 429, code: 'IMPB_ERR_WEBEX_RATE_LIMITED' } });
    expect(job.nextRunAt - job.lastError!.at).toBeGreaterThanOrEqual(3000);
    expect(s.sim.stats().creates.broadworksSubscribers).toBe(0);
  });
});
