import { Writable } from 'node:stream';
import winston from 'winston';
import { createJobActions } from '../../src/operations/job-actions';
import { createLogger } from '../../src/observability';
import { withRateLimit } from '../../src/webex/pacing/limited-api';
import { createRateLimiter } from '../../src/webex/pacing/rate-limiter';
import { createPipelineWorker, type PipelineWorker } from '../../src/pipeline/worker';
import { createFakeWebex, webexError } from './fake-webex';
import { ALICE, createHarness, FAST_SETTINGS, type Harness } from './harness';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', transports: [new winston.transports.Stream({ stream })] }), lines };
}

describe('jobs that meet bad Webex credentials wait for valid ones', () => {
  let h: Harness;
  let worker: PipelineWorker;
  afterEach(async () => {
    await worker?.close(2000);
    await h.close();
  });

  test('401 parks the job (not failed, subscriber untouched), the user’s later job waits behind it, resume runs both in order; provisioned is logged with its TrackingID', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    const { logger, lines } = capturingLogger();
    fake.failNext('bw.list', () => webexError(401, { code: 'IMPB_ERR_WEBEX_UNAUTHORIZED' }));
    worker = createPipelineWorker({
      store: h.store,
      api: withRateLimit(fake.api, createRateLimiter({ maxPerSecond: 1000 })),
      settings: FAST_SETTINGS,
      logger,
      owner: 'parking-test',
    });
    await worker.start();
    await h.accept('assign', 'alice@voip', ALICE);
    await worker.whenIdle();
    const [parked] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(parked).toMatchObject({ state: 'awaiting_credentials', lastError: expect.objectContaining({ code: 'IMPB_ERR_WEBEX_UNAUTHORIZED' }) });
    expect((await h.store.subscribers.get('alice@voip'))?.status).not.toBe('failed');
    await h.accept('modify', 'alice@voip', { ...ALICE, lastName: 'Jones' });
    await worker.whenIdle();
    expect((await h.store.jobs.list({ userId: 'alice@voip' })).map((j) => j.state)).toEqual(['queued', 'awaiting_credentials']);

    expect(await worker.resumeAwaitingCredentials()).toBe(1);
    await worker.whenIdle({ includeFuture: true });
    expect((await h.store.jobs.list({ userId: 'alice@voip' })).map((j) => [j.kind, j.state])).toEqual([
      ['modify', 'done'],
      ['assign', 'done'],
    ]);
    const record = await h.store.subscribers.get('alice@voip');
    expect(record).toMatchObject({ status: 'provisioned' });
    const provisioned = lines.filter((l) => l.event === 'pipeline.subscriber.provisioned');
    expect(provisioned.length).toBeGreaterThanOrEqual(1);
    expect(provisioned[0]).toMatchObject({ level: 'info', userId: 'alice@voip', trackingId: expect.any(String) });
    expect(String(provisioned[0]!.message)).toContain('TrackingID');
    const audit = await h.store.audit.list({ entityType: 'job', entityId: String(parked!.id) });
    expect(audit.map((a) => (a.after as { state: string }).state).sort()).toEqual(['awaiting_credentials', 'queued']);
  });

  test('a failed subscriber is logged at info with its TrackingID', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    const { logger, lines } = capturingLogger();
    fake.failNext('bw.list', () => webexError(400, { errorCode: '1234' }));
    worker = createPipelineWorker({
      store: h.store,
      api: withRateLimit(fake.api, createRateLimiter({ maxPerSecond: 1000 })),
      settings: FAST_SETTINGS,
      logger,
      owner: 'failing-test',
    });
    await worker.start();
    await h.accept('assign', 'bob@voip', ALICE);
    await worker.whenIdle();
    expect((await h.store.subscribers.get('bob@voip'))!.status).toBe('failed');
    expect(lines.find((l) => l.event === 'pipeline.subscriber.failed')).toMatchObject({ level: 'info', userId: 'bob@voip', trackingId: 'FAKE_ERR_400' });
  });

  test('bulk retry (jobs retry --state failed) moves the failed jobs matching an error code back to the queue', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    const { logger } = capturingLogger();
    for (const code of ['1001', '1001', '2002']) fake.failNext('bw.list', () => webexError(400, { errorCode: code }));
    worker = createPipelineWorker({
      store: h.store,
      api: withRateLimit(fake.api, createRateLimiter({ maxPerSecond: 1000 })),
      settings: { ...FAST_SETTINGS, concurrency: 1 },
      logger,
      owner: 'bulk-test',
    });
    await worker.start();
    for (const u of ['u1@voip', 'u2@voip', 'u3@voip']) await h.accept('assign', u, { ...ALICE, email: `${u}.example.net` });
    await worker.whenIdle();
    expect(await h.store.jobs.countByState()).toEqual({ failed: 3 });
    const actions = createJobActions({ store: h.store, wake: () => worker.wake() });
    expect(await actions.retryMatching({ state: 'failed', template: 'bw', errorCode: '1001' }, { batchSize: 1 })).toEqual({ matched: 2, moved: 2 });
    await worker.whenIdle({ includeFuture: true });
    expect(await h.store.jobs.countByState()).toEqual({ done: 2, failed: 1 });
  });
});
