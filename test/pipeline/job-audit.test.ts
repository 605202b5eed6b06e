import { ALICE, createHarness, type Harness } from './harness';
import { createFakeWebex, webexError } from './fake-webex';

describe('job state changes in the audit trail', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const jobAudit = (id: number) => h.store.audit.list({ entityType: 'job', entityId: String(id) });

  test('a failed job has its audit row with the Webex error code and TrackingID', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    fake.failNext('bw.create', () => webexError(400, { errorCode: '10022' }));
    await h.accept('assign', 'erin@voip', { ...ALICE, email: 'erin@example.net' });
    await h.worker!.whenIdle({ includeFuture: true });
    const [job] = await h.store.jobs.list({ userId: 'erin@voip' });
    expect(job!.state).toBe('failed');
    expect(await jobAudit(job!.id)).toEqual([
      expect.objectContaining({
        actor: 'pipeline',
        action: 'state',
        before: { state: 'running' },
        after: {
          state: 'failed',
          kind: 'assign',
          userId: 'erin@voip',
          code: 'IMPB_ERR_WEBEX_REJECTED',
          httpStatus: 400,
          webexErrorCode: '10022',
          description: 'fake error 10022',
        },
        trackingId: 'FAKE_ERR_400',
        detail: expect.any(String),
      }),
    ]);
  });

  test('coalesced jobs are audited; a retry of a failed job and a cancel are audited', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.accept('assign', 'dave@voip', ALICE);
    await h.accept('assign', 'dave@voip', ALICE);
    await h.startWorker(fake.api);
    await h.worker!.whenIdle({ includeFuture: true });
    const [later, first] = await h.store.jobs.list({ userId: 'dave@voip' });
    const coalesced = [later!, first!].find((j) => j.state === 'coalesced')!;
    expect(await jobAudit(coalesced.id)).toEqual([
      expect.objectContaining({ actor: 'pipeline', before: { state: expect.any(String) }, after: expect.objectContaining({ state: 'coalesced' }) }),
    ]);
    const done = [later!, first!].find((j) => j.state === 'done')!;
    expect(await jobAudit(done.id)).toEqual([]);

    const id = await h.store.jobs.enqueue({
      eventId: 0,
      kind: 'resync',
      template: 'bw',
      userId: 'zed@voip',
      enterpriseId: 'ent-1',
      nextRunAt: Date.now() + 60_000,
      payload: {},
    });
    await h.store.jobs.transition(id, { from: ['queued'], to: 'failed', now: Date.now() });
    await h.store.jobs.transition(id, { from: ['failed'], to: 'queued', nextRunAt: Date.now() + 60_000, now: Date.now() }, 'admin-api');
    await h.store.jobs.transition(id, { from: ['queued'], to: 'cancelled', now: Date.now() }, 'admin-api');
    const rows = (await jobAudit(id)).reverse();
    expect(rows.map((a) => [a.actor, (a.before as { state: string }).state, (a.after as { state: string }).state])).toEqual([
      ['system', 'queued', 'failed'],
      ['admin-api', 'failed', 'queued'],
      ['admin-api', 'queued', 'cancelled'],
    ]);
  });
});
