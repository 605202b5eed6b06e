import { buildSupportReport } from '../../src/operations/support-report';
import { ALICE, WHOLESALE_ONBOARDING, createHarness, makeTemplate, type Harness } from './harness';
import { startSim, type SimUnderTest } from './sim-harness';

/** The must-show behaviours against the built-in Webex simulator over real sockets. */
describe('pipeline against the Webex simulator', () => {
  let h: Harness;
  let s: SimUnderTest;
  afterEach(async () => {
    await h?.close();
    await s?.close();
  });

  const subscriberOf = (userId: string) => [...s.sim.state.broadworksSubscribers.values()].find((x) => x.userId === userId);

  test('assign → provisioned; modify → updated; unassign → deleted', async () => {
    s = await startSim();
    h = await createHarness();
    await h.startWorker(s.client);
    await h.accept('assign', 'alice@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    expect(subscriberOf('alice@voip')).toMatchObject({ status: 'provisioned', firstName: 'Alice', package: 'standard', provisioningId: 'PROV-1' });
    const rec = await h.store.subscribers.get('alice@voip');
    expect(rec).toMatchObject({ status: 'provisioned', webexSubscriberId: subscriberOf('alice@voip')!.id, lastTrackingId: expect.any(String) });
    const calls = await h.store.audit.list({ entityType: 'subscriber', entityId: 'alice@voip' });
    expect(calls.map((a) => (a.after as { status: string }).status)).toEqual(['provisioned', 'provisioning']);
    // The customer org, for support data: asked of the person once the subscriber is provisioned.
    const customerOrg = s.sim.state.broadworksCustomerOrgs.get('ent-1');
    expect(customerOrg).toEqual(expect.any(String));
    expect(rec!.orgId).toBe(customerOrg);
    const report = await buildSupportReport({ store: h.store, version: 'test', partnerOrgId: async () => ({ source: 'test' }) }, 'alice@voip');
    expect(report.customerOrgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(customerOrg!, 'base64').toString()).toContain(report.customerOrgId!);

    await h.accept('modify', 'alice@voip', { lastName: 'Jones', extension: '' });
    await h.worker!.whenIdle({ includeFuture: true });
    expect(subscriberOf('alice@voip')).toMatchObject({ status: 'provisioned', lastName: 'Jones' });
    expect(subscriberOf('alice@voip')!.extension).toBeUndefined();
    const put = s.sim.requestLog.find((e) => e.method === 'PUT');
    expect(put!.body).toEqual({ lastName: 'Jones', extension: '' });

    await h.accept('unassign', 'alice@voip');
    await h.worker!.whenIdle({ includeFuture: true });
    expect(subscriberOf('alice@voip')).toBeUndefined();
    expect((await h.store.subscribers.get('alice@voip'))!.status).toBe('deleted');
    expect(s.sim.stats().creates.broadworksSubscribers).toBe(1);
  });

  test('pending_* ends polling and is recorded as waiting for the user, with what the user must do', async () => {
    s = await startSim({ untrustedEmailProvisioningIds: ['PROV-1'] });
    h = await createHarness();
    await h.startWorker(s.client);
    await h.accept('assign', 'noemail@voip', { firstName: 'No', lastName: 'Mail', phoneNumber: '+12145550111' });
    await h.worker!.whenIdle({ includeFuture: true });
    expect((await h.store.jobs.list({ userId: 'noemail@voip' }))[0]!.state).toBe('done');
    expect(await h.store.subscribers.get('noemail@voip')).toMatchObject({ status: 'pending_email_input' });
    const [entry] = await h.store.audit.list({ entityType: 'subscriber', entityId: 'noemail@voip' });
    expect(entry!.detail).toMatch(/email address/);
    expect(s.sim.stats().byOperation['GET /broadworks/subscribers/{id}'] ?? 0).toBe(0);
  });

  test('error 10022 (user id already associated) surfaces as failed with its code and TrackingID', async () => {
    s = await startSim({ preMappedUserIds: ['mapped@voip'] });
    h = await createHarness();
    await h.startWorker(s.client);
    await h.accept('assign', 'mapped@voip', ALICE);
    await h.worker!.whenIdle({ includeFuture: true });
    const [job] = await h.store.jobs.list({ userId: 'mapped@voip' });
    expect(job!.state).toBe('failed');
    expect(job!.lastError).toMatchObject({ webexErrorCode: '10022', description: expect.stringMatching(/already associated/), trackingId: expect.any(String) });
    expect(await h.store.subscribers.get('mapped@voip')).toMatchObject({ status: 'error', lastErrorCode: '10022' });
  });

  test('wholesale: 50 concurrent first users of a new enterprise → exactly one customer, followed until provisioned, then 50 subscribers', async () => {
    s = await startSim({ customerProvisioningDelayMs: 150 });
    h = await createHarness([makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: WHOLESALE_ONBOARDING })]);
    await h.startWorker(s.client, { concurrency: 16 });
    const users = Array.from({ length: 50 }, (_, i) => `w${i}@voip`);
    await Promise.all(
      users.map((u) =>
        h.accept(
          'assign',
          u,
          { firstName: 'W', lastName: String(u), email: `${u.split('@')[0]}@ent.example`, extension: `2${u.length}` },
          { template: 'ws', enterpriseId: 'ent-new' },
        ),
      ),
    );
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 60_000 });
    expect(s.sim.stats().creates.customers).toBe(1);
    expect(s.sim.stats().creates.wholesaleSubscribers).toBe(50);
    const customer = await h.store.customers.get('ent-new');
    expect(customer).toMatchObject({ status: 'provisioned', locationUrl: expect.stringContaining('/wholesale/customers/') });
    expect(users).toContain(customer!.adminUserId);
    expect((await h.store.jobs.countByState()).done).toBe(50);
  });

  test('429 and 503 storms: every job finishes, none twice', async () => {
    s = await startSim({ faults: { rateLimitPerSecond: 40, retryAfter: '1' } });
    h = await createHarness();
    await h.startWorker(s.client, { concurrency: 16, ratePerSecond: 80 });
    s.sim.setFaults({ failNext: { status: 503, count: 25 } });
    const users = Array.from({ length: 60 }, (_, i) => `s${i}@voip`);
    for (const u of users) await h.accept('assign', u, { ...ALICE, email: `${u}.mail` });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 80_000 });
    const stats = s.sim.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.creates.broadworksSubscribers).toBe(60);
    expect(stats.duplicateCreates).toBe(0);
    expect(await h.store.subscribers.countByStatus()).toEqual({ provisioned: 60 });
    expect((await h.store.jobs.countByState()).done).toBe(60);
  }, 90_000);

  test('per-user order under shuffled concurrency; coalescing sends nothing for assign+unassign', async () => {
    s = await startSim({ faults: { latencyMs: 2 } });
    h = await createHarness();
    const users = Array.from({ length: 12 }, (_, i) => `o${i}@voip`);
    const ops: Array<[string, string]> = [];
    for (const u of users) for (const n of ['One', 'Two', 'Three']) ops.push([u, n]);
    ops.sort(() => Math.random() - 0.5);
    const expected = new Map<string, string[]>();
    for (const [u, n] of ops) {
      expected.set(u, [...(expected.get(u) ?? []), n]);
      await h.accept('assign', u, { ...ALICE, email: `${u}.mail`, lastName: n });
    }
    await h.accept('assign', 'ghost@voip', ALICE);
    await h.accept('unassign', 'ghost@voip');
    await h.startWorker(s.client, { concurrency: 6 });
    await h.worker!.whenIdle({ includeFuture: true, timeoutMs: 60_000 });
    for (const u of users) {
      const id = subscriberOf(u)!.id as string;
      const sent = s.sim.requestLog
        .filter((e) => (e.method === 'POST' && (e.body as { userId?: string })?.userId === u) || (e.method === 'PUT' && e.path.endsWith(id)))
        .map((e) => (e.body as { lastName: string }).lastName);
      expect(sent).toEqual(expected.get(u));
      expect(subscriberOf(u)!.lastName).toBe(expected.get(u)![2]);
    }
    expect(s.sim.requestLog.filter((e) => e.path.includes('ghost'))).toEqual([]);
    expect(s.sim.requestLog.filter((e) => (e.body as { userId?: string } | undefined)?.userId === 'ghost@voip')).toEqual([]);
    expect((await h.store.jobs.list({ userId: 'ghost@voip' })).map((j) => j.state)).toEqual(['coalesced', 'coalesced']);
  });
});
