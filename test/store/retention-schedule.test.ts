import { createManualClock } from '../../src/domain';
import { createSilentLogger } from '../../src/observability';
import { createSqliteStore } from '../../src/store';
import { createRetentionSchedule } from '../../src/store/retention-schedule';
import { makeTempDir } from '../helpers/temp-dir';

test('the periodic sweep deletes what the injected clock says is past retention, and keeps the rest', async () => {
  const temp = makeTempDir('impb-retention-');
  const clock = createManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
  const store = createSqliteStore({ dataDir: temp.dir, clock });
  await store.webexCalls.record({ operation: 'op', method: 'GET', path: '/old', trackingId: 't1', at: clock.now() });
  await store.unknownRequests.add({ requestId: 'r', template: 'bw', reason: 'x', headers: {}, body: '<x/>', kind: 'unknown' });
  clock.advance(100 * 86_400_000);
  await store.webexCalls.record({ operation: 'op', method: 'GET', path: '/new', trackingId: 't2', at: clock.now() });
  const schedule = createRetentionSchedule({
    store,
    policy: { dataDays: 90, auditDays: 400, batchSize: 10 },
    intervalMs: 10,
    logger: createSilentLogger(),
    clock,
  });
  const swept = await schedule.sweepNow();
  expect(swept.webex_calls).toBe(1);
  expect((await store.webexCalls.list({})).map((c) => c.path)).toEqual(['/new']);
  await schedule.close();
  await store.close();
  temp.cleanup();
});
