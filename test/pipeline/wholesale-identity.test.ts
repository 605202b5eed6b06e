import { ALICE, WHOLESALE_ONBOARDING, createHarness, makeTemplate, type Harness } from './harness';
import { createFakeWebex } from './fake-webex';

const WS = makeTemplate({ name: 'ws', targetApi: 'wholesale', package: 'webex_calling', wholesale: WHOLESALE_ONBOARDING });

describe('wholesale subscriber identity', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  test('a re-sent assign with a changed email updates the stored subscriber instead of creating a second one', async () => {
    h = await createHarness([WS]);
    const fake = createFakeWebex();
    await h.startWorker(fake.api);
    await h.accept('assign', 'alice@voip', ALICE, { template: 'ws' });
    await h.worker!.whenIdle({ includeFuture: true });
    const first = await h.store.subscribers.get('alice@voip');
    expect(first).toMatchObject({ status: 'provisioned', email: 'alice@example.net' });

    await h.accept('assign', 'alice@voip', { ...ALICE, email: 'alice.smith@example.net', extension: '101' }, { template: 'ws' });
    await h.worker!.whenIdle({ includeFuture: true });

    expect(fake.count('ws.create')).toBe(1);
    expect(fake.wholesale.size).toBe(1);
    const after = await h.store.subscribers.get('alice@voip');
    // Wholesale cannot change a subscriber's email: the record keeps the one Webex has, and says so.
    expect(after).toMatchObject({ status: 'provisioned', webexSubscriberId: first!.webexSubscriberId, email: 'alice@example.net' });
    const notes = await h.store.audit.list({ entityType: 'subscriber', entityId: 'alice@voip' });
    expect(notes.find((a) => a.action === 'email_not_changed')).toMatchObject({
      before: { email: 'alice@example.net' },
      after: { email: 'alice.smith@example.net' },
      detail: expect.stringMatching(/cannot change/),
    });
  });
});
