import { createJobActions } from '../../src/operations/job-actions';
import { configSchema } from '../../src/config';
import { createSqliteStore, type Job, type SqliteStore, type Store } from '../../src/store';
import { createTemplateService } from '../../src/templates/template-service';
import { makeTempDir } from '../helpers/temp-dir';

/**
 * The store as the operator actions see it, except that the worker claims every due job right
 * after the action has read its jobs: the interleaving that a slower store (or a busier
 * process) makes possible between an operator's check and its write.
 */
function withWorkerClaimingAfterRead(store: SqliteStore): Store {
  const claim = () => store.jobs.claim({ owner: 'other-worker', leaseMs: 60_000, limit: 100, now: Date.now() });
  const jobs = new Proxy(store.jobs, {
    get(target, key, receiver) {
      if (key === 'get') {
        return async (id: number) => {
          const job = await target.get(id);
          await claim();
          return job;
        };
      }
      if (key === 'list') {
        return async (filter: Parameters<typeof target.list>[0]) => {
          const found = await target.list(filter);
          await claim();
          return found;
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return new Proxy(store, { get: (target, key, receiver) => (key === 'jobs' ? jobs : (Reflect.get(target, key, receiver) as unknown)) });
}

describe('operator job actions change a job only in the state they checked', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    temp = makeTempDir('impb-job-actions-');
    store = createSqliteStore({ dataDir: temp.dir });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  const enqueue = (userId: string, state: Job['state'], kind: Job['kind'] = 'assign', template = 'bw') =>
    store.jobs.enqueue({ eventId: 0, kind, template, userId, enterpriseId: 'ent', nextRunAt: Date.now() - 1000, payload: {}, state });

  test('cancel is refused when the worker claimed the job after the check, and the worker keeps it', async () => {
    const id = await enqueue('race@voip.example.net', 'queued');
    const actions = createJobActions({ store: withWorkerClaimingAfterRead(store) });
    await expect(actions.cancel(id)).rejects.toMatchObject({
      code: 'IMPB_ERR_CONFLICT',
      details: expect.objectContaining({ reason: 'state_changed', state: 'running' }),
    });
    expect((await store.jobs.get(id))!.state).toBe('running');
    expect(await store.audit.list({ entityType: 'job', entityId: String(id) })).toEqual([]);
  });

  test('retry is refused when the worker claimed the waiting job after the check', async () => {
    const id = await enqueue('race2@voip.example.net', 'retry_wait');
    const actions = createJobActions({ store: withWorkerClaimingAfterRead(store) });
    await expect(actions.retry(id)).rejects.toMatchObject({ code: 'IMPB_ERR_CONFLICT', details: expect.objectContaining({ reason: 'state_changed' }) });
    expect((await store.jobs.get(id))!.state).toBe('running');
  });

  test('deleting a template with force cancels only the jobs the worker has not claimed', async () => {
    const [template] = configSchema.parse({
      templates: [{ name: 'bw', provisioningId: 'p', package: 'basic', account: { username: 'u', password: 'Passw0rd-1' } }],
    }).templates;
    await store.templates.put({ ...template!, account: { username: 'u', passwordHash: 'scrypt$x' } });
    const id = await enqueue('race3@voip.example.net', 'queued');
    const service = createTemplateService({ store: withWorkerClaimingAfterRead(store), provisioningBaseUrl: () => 'https://imp.example.net:8443' });
    const deleted = await service.deleteTemplate('bw', { force: true });
    expect(deleted.jobsCancelled).toBe(0);
    expect((await store.jobs.get(id))!.state).toBe('running');
  });

  test('retry of an old failed assign is refused once a later job of the user has finished, pointing at resync', async () => {
    const user = 'gone@voip.example.net';
    const assign = await enqueue(user, 'failed', 'assign');
    await enqueue(user, 'done', 'unassign');
    const actions = createJobActions({ store });
    const refused = actions.retry(assign);
    await expect(refused).rejects.toMatchObject({ code: 'IMPB_ERR_CONFLICT', details: expect.objectContaining({ reason: 'superseded' }) });
    await expect(refused).rejects.toThrow(`imp-bridge subscribers resync ${user}`);
    expect((await store.jobs.get(assign))!.state).toBe('failed');
  });

  test('retry of the latest failed job of a user still works', async () => {
    const user = 'retry@voip.example.net';
    await enqueue(user, 'done', 'assign');
    const failed = await enqueue(user, 'failed', 'modify');
    const retried = await createJobActions({ store }).retry(failed);
    expect(retried.state).toBe('queued');
  });
});
