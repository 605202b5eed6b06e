import { defaultLeaseOwner } from '../../src/pipeline/worker';
import { ALICE, WHOLESALE_ONBOARDING, createHarness, makeTemplate, type Harness } from './harness';
import { createFakeWebex, webexError } from './fake-webex';

describe('pipeline worker (in-memory Webex)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  test('assign of a new user: lookup, POST with the template data, poll until provisioned; transitions audited', async () => {
    h = await createHarness([makeTemplate({ languageMap: { English: 'en_US' }, timeZone: 'America/New_York' })]);
    const fake = createFakeWebex({ pollsToProvision: 2 });
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', { ...ALICE, language: 'English' });
    await h.worker!.whenIdle({ includeFuture: true });

    expect(fake.calls.map((c) => c.op)).toEqual(['bw.list', 'bw.create', 'bw.get', 'bw.get']);
    expect(fake.calls[1]!.args[0]).toMatchObject({
      provisioningId: 'PROV-1',
      package: 'standard',
      userId: 'alice@voip',
      spEnterpriseId: 'ent-1',
      firstName: 'Alice',
      lastName: 'Smith',
      email: 'alice@example.net',
      primaryPhoneNumber: '+12145550100',
      extension: '100',
      language: 'en_US',
      timezone: 'America/New_York',
    });
    expect(fake.calls[1]!.ctx).toMatchObject({ userId: 'alice@voip', enterpriseId: 'ent-1' });
    const sub = await h.store.subscribers.get('alice@voip');
    expect(sub).toMatchObject({ status: 'provisioned', webexSubscriberId: expect.any(String), lastTrackingId: expect.stringMatching(/^FAKE_/) });
    const audit = await h.store.audit.list({ entityType: 'subscriber', entityId: 'alice@voip' });
    expect(audit.map((a) => (a.after as { status: string }).status).reverse()).toEqual(['provisioning', 'provisioned']);
    expect(audit.every((a) => a.trackingId)).toBe(true);
    const [job] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(job!.state).toBe('done');
  });

  test('assign of an existing identical user sends nothing; different data → PUT of the differences only', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    fake.calls.length = 0;

    await h.accept('assign', 'alice@voip', { ...ALICE, phoneNumber: '+12145550100' });
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.calls.map((c) => c.op)).toEqual(['bw.list']);

    fake.calls.length = 0;
    await h.accept('assign', 'alice@voip', { ...ALICE, lastName: 'Jones' });
    await h.worker!.whenIdle({ includeFuture: true });
    const put = fake.calls.find((c) => c.op === 'bw.update');
    expect(put!.args[1]).toEqual({ lastName: 'Jones' });
  });

  test('modify sends only the changed fields; an empty extension clears it', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.accept('modify', 'alice@voip', { firstName: 'Alice', extension: '', phoneNumber: '+12145550199' });
    await h.worker!.whenIdle({ includeFuture: true });
    const put = fake.calls.find((c) => c.op === 'bw.update');
    expect(put!.args[1]).toEqual({ extension: '', primaryPhoneNumber: '+12145550199' });
    const sub = await h.store.subscribers.get('alice@voip');
    expect(sub!.profile).toMatchObject({ extension: '', phoneNumber: '+12145550199', lastName: 'Smith' });
    expect(sub!.status).toBe('provisioned');
  });

  test('unassign looks up and deletes; an absent user or a 404 counts as done', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    await h.accept('unassign', 'alice@voip');
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.broadworks.size).toBe(0);
    expect((await h.store.subscribers.get('alice@voip'))!.status).toBe('deleted');

    await h.accept('assign', 'bob@voip', { ...ALICE, email: 'bob@example.net' });
    await h.worker!.whenIdle({ includeFuture: true });
    fake.failNext('bw.delete', () => webexError(404, { code: 'IMPB_ERR_WEBEX_NOT_FOUND' }));
    await h.accept('unassign', 'bob@voip');
    await h.worker!.whenIdle({ includeFuture: true });
    const jobs = await h.store.jobs.list({ userId: 'bob@voip' });
    expect(jobs.map((j) => j.state)).toEqual(['done', 'done']);
    expect((await h.store.subscribers.get('bob@voip'))!.status).toBe('deleted');
  });

  test('coalescing: pending assign then unassign of an unknown user → no Webex call; identical assigns → one create', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.accept('assign', 'carol@voip', ALICE);
    await h.accept('modify', 'carol@voip', { lastName: 'X' });
    await h.accept('unassign', 'carol@voip');
    for (let i = 0; i < 5; i++) await h.accept('assign', 'dave@voip', { ...ALICE, email: 'dave@example.net' });
    await h.startWorker(fake.api);
    await h.worker!.whenIdle({ includeFuture: true });

    expect(fake.calls.filter((c) => (c.args[0] as { userId?: string })?.userId === 'carol@voip')).toEqual([]);
    expect(fake.calls.filter((c) => c.ctx?.userId === 'carol@voip')).toEqual([]);
    expect((await h.store.jobs.list({ userId: 'carol@voip' })).map((j) => j.state)).toEqual(['coalesced', 'coalesced', 'coalesced']);
    expect(fake.count('bw.create')).toBe(1);
    expect((await h.store.jobs.list({ userId: 'dave@voip' })).map((j) => j.state).sort()).toEqual(['coalesced', 'coalesced', 'coalesced', 'coalesced', 'done']);
  });

  test('per-user order holds under concurrency and random latency; users proceed in parallel', async () => {
    h = await createHarness();
    const fake = createFakeWebex({ latencyMs: 1 });
    const users = Array.from({ length: 20 }, (_, i) => `u${i}@voip`);
    const expected = new Map<string, string[]>();
    const ops: Array<[string, string]> = [];
    for (const u of users) for (const n of ['A', 'B', 'C', 'D']) ops.push([u, n]);
    ops.sort(() => Math.random() - 0.5);
    for (const [u, n] of ops) {
      expected.set(u, [...(expected.get(u) ?? []), n]);
      await h.accept('assign', u, { ...ALICE, email: `${u}x`, lastName: n });
    }
    await h.startWorker(fake.api, { concurrency: 6 });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 30_000 });
    for (const u of users) {
      const sent = fake.calls
        .filter((c) => c.ctx?.userId === u && (c.op === 'bw.create' || c.op === 'bw.update'))
        .map((c) => (c.op === 'bw.create' ? (c.args[0] as { lastName: string }).lastName : (c.args[1] as { lastName: string }).lastName));
      expect(sent).toEqual(expected.get(u));
    }
    expect(fake.count('bw.create')).toBe(users.length);
  });

  test('retryable errors back off and succeed; Retry-After honoured; a permanent error fails the job with Webex facts', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    fake.failNext('bw.create', () => webexError(503, { retryable: true }));
    fake.failNext('bw.create', () => webexError(429, { retryable: true, retryAfterMs: 30 }));
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    const [job] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(job).toMatchObject({ state: 'done', attempts: 3 });

    fake.failNext('bw.create', () => webexError(400, { errorCode: '10022' }));
    await h.accept('assign', 'erin@voip', { ...ALICE, email: 'erin@example.net' });
    await h.worker!.whenIdle({ includeFuture: true });
    const [failed] = await h.store.jobs.list({ userId: 'erin@voip' });
    expect(failed!.state).toBe('failed');
    expect(failed!.lastError).toMatchObject({
      code: 'IMPB_ERR_WEBEX_REJECTED',
      httpStatus: 400,
      webexErrorCode: '10022',
      description: 'fake error 10022',
      trackingId: 'FAKE_ERR_400',
    });
    expect(await h.store.subscribers.get('erin@voip')).toMatchObject({ status: 'failed', lastErrorCode: '10022', lastTrackingId: 'FAKE_ERR_400' });
  });

  test('retries stop at the attempt horizon', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api, { attemptHorizonMs: 200 });
    for (let i = 0; i < 200; i++) fake.failNext('bw.list', () => webexError(503, { retryable: true }));
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 20_000 });
    const [job] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(job!.state).toBe('failed');
    expect(job!.lastError!.message).toMatch(/attempt horizon/);
  });

  test('a POST whose answer was lost is not re-sent blindly: the retry looks up and finds it', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    fake.failNext('bw.create', () => webexError(0, { code: 'IMPB_ERR_WEBEX_TIMEOUT', retryable: true, maybeApplied: true }), true);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.count('bw.create')).toBe(1);
    expect(fake.broadworks.size).toBe(1);
    expect((await h.store.subscribers.get('alice@voip'))!.status).toBe('provisioned');
  });

  test('restart: a job left running is resumed with a lookup first and creates no duplicate', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.accept('assign', 'alice@voip', ALICE);
    // Simulate a crash right after the POST reached Webex: job still 'running'.
    await h.store.jobs.claim({ owner: defaultLeaseOwner(), leaseMs: 60_000, limit: 10, now: Date.now() });
    await fake.api.broadworks.createSubscriber({
      provisioningId: 'PROV-1',
      userId: 'alice@voip',
      spEnterpriseId: 'ent-1',
      firstName: 'Alice',
      lastName: 'Smith',
      package: 'standard',
      email: 'alice@example.net',
      primaryPhoneNumber: '+12145550100',
      extension: '100',
    });
    await h.startWorker(fake.api);
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.count('bw.create')).toBe(1);
    const [job] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(job).toMatchObject({ state: 'done', lookupFirst: true });
  });

  test('admin jobs: set_package PUTs the package; resync re-applies the recorded profile', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    await h.store.jobs.enqueue({
      eventId: 0,
      kind: 'set_package',
      template: 'bw',
      userId: 'alice@voip',
      enterpriseId: 'ent-1',
      nextRunAt: Date.now(),
      payload: { package: 'premium' },
    });
    h.worker!.wake();
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.calls.find((c) => c.op === 'bw.update')!.args[1]).toEqual({ package: 'premium' });
    expect((await h.store.subscribers.get('alice@voip'))!.package).toBe('premium');

    // Someone changed the user in Control Hub: resync puts the known profile back (package kept).
    const sub = [...fake.broadworks.values()][0]!;
    sub.lastName = 'Changed';
    fake.calls.length = 0;
    await h.store.jobs.enqueue({ eventId: 0, kind: 'resync', template: 'bw', userId: 'alice@voip', enterpriseId: 'ent-1', nextRunAt: Date.now(), payload: {} });
    h.worker!.wake();
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.calls.find((c) => c.op === 'bw.update')!.args[1]).toEqual({ lastName: 'Smith' });
  });

  test('wholesale: 50 concurrent first users of a new enterprise create exactly one customer; the first provisioned is its admin', async () => {
    h = await createHarness([
      makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: { ...WHOLESALE_ONBOARDING, locationId: 'LOC-1' } }),
    ]);
    const fake = createFakeWebex({ pollsToProvision: 3, latencyMs: 1 });
    const users = Array.from({ length: 50 }, (_, i) => `w${i}@voip`);
    await Promise.all(
      users.map((u) =>
        h.accept(
          'assign',
          u,
          { firstName: 'W', lastName: u, email: `${u.split('@')[0]}@ent.example`, extension: '200' },
          { template: 'ws', enterpriseId: 'ent-new' },
        ),
      ),
    );
    await h.startWorker(fake.api, { concurrency: 16 });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 30_000 });

    expect(fake.count('ws.createCustomer')).toBe(1);
    const createBody = fake.calls.find((c) => c.op === 'ws.createCustomer')!.args[0];
    expect(createBody).toMatchObject({
      provisioningId: 'PROV-1',
      externalId: 'ent-new',
      packages: ['webex_calling'],
      customerInfo: { name: 'Enterprise ent-new', primaryEmail: 'admin@ent-new.example.net' },
    });
    expect(fake.count('ws.create')).toBe(50);
    expect(fake.calls.find((c) => c.op === 'ws.create')!.args[0]).toMatchObject({
      package: 'webex_calling',
      provisioningParameters: { firstName: 'W', extension: '200', locationId: 'LOC-1' },
    });
    const customer = await h.store.customers.get('ent-new');
    expect(customer).toMatchObject({ status: 'provisioned', webexCustomerId: expect.any(String) });
    expect(users).toContain(customer!.adminUserId);
    expect(await h.store.subscribers.countByStatus()).toEqual({ provisioned: 50 });
  });

  test('wholesale: a customer Webex fails to provision fails its users with Webex’s reasons; no subscriber is created', async () => {
    h = await createHarness([makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: WHOLESALE_ONBOARDING })]);
    const fake = createFakeWebex({ customerFails: true });
    await h.startWorker(fake.api);
    for (const u of ['x1@voip', 'x2@voip']) await h.accept('assign', u, { ...ALICE, email: `${u}.mail` }, { template: 'ws', enterpriseId: 'ent-bad' });
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.count('ws.createCustomer')).toBe(1);
    expect(fake.count('ws.create')).toBe(0);
    const jobs = await h.store.jobs.list({ template: 'ws' });
    expect(jobs.map((j) => j.state)).toEqual(['failed', 'failed']);
    expect(jobs[0]!.lastError).toMatchObject({
      code: 'IMPB_ERR_WEBEX_PROVISIONING_FAILED',
      webexErrorCode: '4003',
      description: expect.stringMatching(/calling location/),
    });
    expect(await h.store.customers.get('ent-bad')).toMatchObject({ status: 'error', lastError: expect.stringMatching(/4003/) });
    expect(await h.store.subscribers.get('x1@voip')).toMatchObject({ status: 'failed', lastErrorCode: '4003' });
  });

  test('close() lets in-flight jobs finish up to its timeout, then releases them to the queue with a lookup first', async () => {
    h = await createHarness();
    const fake = createFakeWebex({ latencyMs: 1500 });
    await h.startWorker(fake.api);
    await h.accept('assign', 'slow@voip', ALICE);
    for (let i = 0; i < 100 && h.worker!.stats().active === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await h.worker!.close(50);
    const [job] = await h.store.jobs.list({ userId: 'slow@voip' });
    expect(job).toMatchObject({ state: 'queued', lookupFirst: true });
    await new Promise((r) => setTimeout(r, 1600));
    expect((await h.store.jobs.list({ userId: 'slow@voip' }))[0]!.state).toBe('queued');
  });
  test('an exception outside a job step (the store refuses a read) does not leave the job running forever', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    const get = h.store.subscribers.get.bind(h.store.subscribers);
    let failures = 1;
    h.store.subscribers.get = async (userId) => {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' });
      }
      return get(userId);
    };
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 5000 });
    const [job] = await h.store.jobs.list({ userId: 'alice@voip' });
    expect(job).toMatchObject({ state: 'done', lookupFirst: true });
    expect(fake.count('bw.create')).toBe(1);
    expect((await h.store.subscribers.get('alice@voip'))!.status).toBe('provisioned');
  });

  test('close() releases the job that is really in flight after coalescing, and leaves the coalesced one coalesced', async () => {
    h = await createHarness();
    const fake = createFakeWebex({ latencyMs: 1500 });
    await h.accept('assign', 'slow@voip', ALICE);
    await h.accept('assign', 'slow@voip', ALICE);
    await h.startWorker(fake.api);
    for (let i = 0; i < 100 && fake.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await h.worker!.close(50);
    const jobs = await h.store.jobs.list({ userId: 'slow@voip' });
    expect(jobs.map((j) => j.state)).toEqual(['queued', 'coalesced']);
    expect(jobs[0]!.lookupFirst).toBe(true);
    await new Promise((r) => setTimeout(r, 1600));
  });

  test('coalescing never drops the unassign of a user the store does not know but Webex has (modify then unassign)', async () => {
    h = await createHarness();
    const fake = createFakeWebex();
    // Provisioned before the bridge kept records (e.g. by the previous proxy).
    await fake.api.broadworks.createSubscriber({
      provisioningId: 'PROV-1',
      userId: 'legacy@voip',
      spEnterpriseId: 'ent-1',
      firstName: 'L',
      lastName: 'Egacy',
      package: 'standard',
    });
    await h.accept('modify', 'legacy@voip', { lastName: 'Changed' });
    await h.accept('unassign', 'legacy@voip');
    await h.startWorker(fake.api);
    await h.worker!.whenIdle({ includeFuture: true });
    expect(fake.broadworks.size).toBe(0);
    expect((await h.store.subscribers.get('legacy@voip'))!.status).toBe('deleted');
  });
  test('wholesale: a 409 on the customer create backs off instead of re-POSTing in a tight loop', async () => {
    h = await createHarness([makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: WHOLESALE_ONBOARDING })]);
    const fake = createFakeWebex();
    for (let i = 0; i < 2000; i++) fake.failNext('ws.createCustomer', () => webexError(409, { code: 'IMPB_ERR_WEBEX_CONFLICT' }));
    await h.startWorker(fake.api, { attemptHorizonMs: 1000, pollMaxMs: 200 });
    await h.accept('assign', 'c1@voip', { ...ALICE }, { template: 'ws', enterpriseId: 'ent-409' });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 10_000 });
    expect(fake.count('ws.createCustomer')).toBeLessThanOrEqual(15);
    const [job] = await h.store.jobs.list({ userId: 'c1@voip' });
    expect(job!.state).toBe('failed');
    expect(job!.lastError!.code).toBe('IMPB_ERR_PIPELINE_HORIZON');
  });
});
