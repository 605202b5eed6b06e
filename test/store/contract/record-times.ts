import type { Cluster, ShadowRecord, Template } from '../../../src/domain';
import type { ContractDatabase } from './store-contract';
import { event } from './store-contract';

/**
 * One time representation: every time a record of the port carries comes back as epoch ms (a
 * number) equal to the injected clock at the write, whatever the adapter stores.
 */
export function recordTimeChecks(current: () => ContractDatabase): void {
  test('record times come back as epoch-ms numbers equal to the injected clock', async () => {
    const { store, clock } = current();
    const t0 = clock.now();
    const [accepted] = await store.events.accept([{ event: event('u-time'), requestId: 'r-time', rawRequest: '<doc/>', dedupeKey: 'k-time' }], {
      duplicateWindowSeconds: 0,
    });
    expect((await store.events.get(accepted!.eventId))!.receivedAt).toBe(t0);
    expect((await store.events.latestForUser('u-time'))!.receivedAt).toBe(t0);
    expect((await store.events.listForUser('u-time'))[0]!.receivedAt).toBe(t0);
    expect(await store.jobs.oldestPendingCreatedAt()).toBe(t0);

    clock.advance(1_234);
    const t1 = clock.now();
    const [claimed] = await store.jobs.claim({ owner: 'A', leaseMs: 60_000, limit: 1, now: t1 });
    await store.jobs.fail(claimed!.lease, { lastError: { code: 'IMPB_ERR_INTERNAL', message: 'x', at: t1 }, now: t1 });
    const job = (await store.jobs.get(claimed!.id))!;
    expect({ createdAt: job.createdAt, updatedAt: job.updatedAt, errorAt: job.lastError!.at }).toEqual({ createdAt: t0, updatedAt: t1, errorAt: t1 });

    const base = { userId: 'u-time', template: 'bw', enterpriseId: 'ent', status: 'provisioning', isActive: true, profile: {} };
    const created = await store.subscribers.upsert(base);
    clock.advance(1_000);
    const t2 = clock.now();
    const same = await store.subscribers.upsert(base);
    expect({ created: created.createdAt, changed: created.lastStatusChange }).toEqual({ created: t1, changed: t1 });
    expect({ created: same.createdAt, updated: same.updatedAt, changed: same.lastStatusChange }).toEqual({ created: t1, updated: t2, changed: t1 });
    expect((await store.subscribers.upsert({ ...base, status: 'error', lastStatusChange: t0 })).lastStatusChange).toBe(t0);

    const customer = await store.customers.upsert({ enterpriseId: 'ent', template: 'bw', status: 'creating' });
    expect({ createdAt: customer.createdAt, updatedAt: customer.updatedAt }).toEqual({ createdAt: t2, updatedAt: t2 });
    await store.audit.append({ actor: 'cli', entityType: 'x', entityId: 'given', action: 'z', at: t0 });
    await store.audit.append({ actor: 'cli', entityType: 'x', entityId: 'clock', action: 'z' });
    expect((await store.audit.list({ entityType: 'x' })).map((a) => [a.entityId, a.at])).toEqual([
      ['clock', t2],
      ['given', t0],
    ]);
    await store.webexCalls.record({ operation: 'op', method: 'GET', path: '/x', trackingId: 't' });
    expect((await store.webexCalls.list({}))[0]!.at).toBe(t2);
    await store.unknownRequests.add({ requestId: 'r', template: 'bw', reason: 'x', headers: {}, body: '<x/>', kind: 'unknown' });
    expect((await store.unknownRequests.list({}))[0]!.receivedAt).toBe(t2);
    await store.templates.put({ name: 'time-tpl' } as Template);
    await store.clusters.put({ name: 'time-cluster' } as Cluster);
    const tpl = (await store.templates.get('time-tpl'))!;
    const cluster = (await store.clusters.get('time-cluster'))!;
    expect([tpl.createdAt, tpl.updatedAt, cluster.createdAt, cluster.updatedAt]).toEqual([t2, t2, t2, t2]);

    const shadow = (receivedAt: number, requestId: string) =>
      ({ template: 'bw', receivedAt, requestId, understood: true, gaps: [], commands: [], upstreamStatus: 200, events: [], plan: [] }) as ShadowRecord;
    await store.shadowRecords.add(shadow(t0, 'early'));
    await store.shadowRecords.add(shadow(t2, 'late'));
    expect((await store.shadowRecords.list({ since: t1 })).map((r) => [r.requestId, r.receivedAt])).toEqual([['late', t2]]);
  });
}
