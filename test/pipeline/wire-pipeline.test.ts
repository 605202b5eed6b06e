import { startTestBridge, type TestBridge } from '../helpers/start-bridge';

describe('wirePipeline in the real proxy (built-in simulator)', () => {
  let t: TestBridge;
  afterEach(async () => {
    await t?.stop();
  });

  test('an accepted event is provisioned; stats, metrics and admin jobs work; stop is clean', async () => {
    t = await startTestBridge({
      logLevel: 'warn',
      webex: { simulatorProvisioningDelayMs: 20 },
      // A long idle poll: the accepted event must start through the commit notification alone.
      pipeline: { pollInitialMs: 10, pollMaxMs: 50, ratePerSecond: 200, idlePollMs: 600_000 },
      templates: [{ name: 'bw', provisioningId: 'PROV-1', package: 'standard', trustedEmail: true, account: { username: 'as-1', password: 'secret-pass-1' } }],
    });
    const rt = t.bridge.parts;
    const pipeline = rt.pipeline!;
    expect(pipeline.running).toBe(true);
    await rt.store.events.accept(
      [
        {
          event: {
            kind: 'assign',
            template: 'bw',
            userId: 'wired@voip',
            enterpriseId: 'ent-w',
            profile: { firstName: 'W', lastName: 'R', email: 'w@example.net' },
          },
          requestId: 'r1',
          rawRequest: '<x/>',
          dedupeKey: 'r1',
        },
      ],
      { duplicateWindowSeconds: 0 },
    );
    await pipeline.worker!.whenIdle({ includeFuture: true, timeoutMs: 20_000 });
    expect(await rt.store.subscribers.get('wired@voip')).toMatchObject({ status: 'provisioned' });
    const calls = await rt.store.webexCalls.list({ userId: 'wired@voip' });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.jobId !== undefined)).toBe(true);

    await pipeline.enqueue({ kind: 'set_package', template: 'bw', userId: 'wired@voip', enterpriseId: 'ent-w', payload: { package: 'premium' } });
    await pipeline.worker!.whenIdle({ includeFuture: true, timeoutMs: 20_000 });
    expect((await rt.store.subscribers.get('wired@voip'))!.package).toBe('premium');

    const stats = await pipeline.stats();
    expect(stats).toMatchObject({ running: true, completed: 2, failed: 0, ratePerSecond: 200, jobsByState: { done: 2 } });
    const text = await rt.metrics.metrics();
    expect(text).toMatch(/impb_jobs_completed_total\{kind="assign",outcome="applied"\} 1/);
    expect(text).toMatch(/impb_queue_depth 0/);
    expect(text).toMatch(/impb_subscribers\{status="provisioned"\} 1/);
    expect(text).toMatch(/impb_oldest_job_age_seconds 0/);
    expect(text).toMatch(/impb_retries_total/);
  });
});
