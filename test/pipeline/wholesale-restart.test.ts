import { defaultLeaseOwner } from '../../src/pipeline/worker';
import { createCustomerOnboarding } from '../../src/pipeline/customer-onboarding';
import { ALICE, FAST_SETTINGS, WHOLESALE_ONBOARDING, createHarness, makeTemplate, type Harness } from './harness';
import { createFakeWebex, webexError } from './fake-webex';

const WS = makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: WHOLESALE_ONBOARDING });

/**
 * A previous process left an enterprise's customer half-way and a subscriber job 'running',
 * then died. Its state is produced by the real onboarding code against the same store, so the
 * test follows whatever that code writes before its POST.
 */
describe('wholesale restart after a crash during customer onboarding', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  test.each([
    ['creating', 'the customer POST reached Webex but its answer was never saved'],
    ['provisioning', 'the customer POST was answered and Webex is still provisioning it'],
  ])('customer left %s (%s): one customer, one subscriber, the first provisioned user is its administrator', async (state) => {
    h = await createHarness([WS]);
    const fake = createFakeWebex({ pollsToProvision: 2 });
    const previousRun = createCustomerOnboarding({ store: h.store, api: fake.api, settings: FAST_SETTINGS });
    if (state === 'creating') {
      fake.failNext('ws.createCustomer', () => webexError(0, { code: 'IMPB_ERR_WEBEX_TIMEOUT', retryable: true, maybeApplied: true }), true);
      await expect(previousRun.ensure('ent-1', WS, {})).rejects.toThrow();
    } else {
      await expect(previousRun.ensure('ent-1', WS, {})).resolves.toEqual({ waitMs: expect.any(Number) });
    }
    expect(await h.store.customers.get('ent-1')).toMatchObject({ status: state });
    expect(fake.customers.size).toBe(1);
    await h.accept('assign', 'alice@voip', ALICE, { template: 'ws' });
    await h.accept('assign', 'bob@voip', { ...ALICE, email: 'bob@example.net' }, { template: 'ws' });
    const [running] = await h.store.jobs.claim({ owner: defaultLeaseOwner(), leaseMs: 60_000, limit: 1, now: Date.now() });
    expect(running!.userId).toBe('alice@voip');

    await h.startWorker(fake.api, { concurrency: 1 });
    await h.worker!.whenIdle({ includeFuture: true });

    expect(fake.count('ws.createCustomer')).toBe(1);
    expect(fake.customers.size).toBe(1);
    expect(fake.count('ws.create')).toBe(2);
    expect([...fake.wholesale.values()].map((s) => s.email).sort()).toEqual(['alice@example.net', 'bob@example.net']);
    const customer = await h.store.customers.get('ent-1');
    expect(customer).toMatchObject({ status: 'provisioned', createdByBridge: true });
    expect(['alice@voip', 'bob@voip']).toContain(customer!.adminUserId);
    expect((await h.store.jobs.list({ template: 'ws' })).map((j) => j.state)).toEqual(['done', 'done']);
  });
});
