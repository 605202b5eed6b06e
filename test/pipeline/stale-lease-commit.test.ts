import { createSilentLogger } from '../../src/observability';
import type { WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { createPipelineWorker, type PipelineWorker } from '../../src/pipeline/worker';
import { createFakeWebex } from './fake-webex';
import { ALICE, createHarness, FAST_SETTINGS, type Harness } from './harness';

/**
 * A job's outcome and its subscriber record are one unit of work under the job's lease: when
 * the lease is stolen (expired and claimed by another owner) between the Webex call and the
 * commit, the stale worker writes neither the job nor the record.
 */
describe('a stale lease rolls back the job and its subscriber record together', () => {
  let h: Harness;
  let worker: PipelineWorker | undefined;
  afterEach(async () => {
    await worker?.close(2000);
    worker = undefined;
    await h.close();
  });

  /** Holds the first call of `op` after `skip` calls until the test lets it go. */
  function gate(api: WebexProvisioningApi, area: 'broadworks', op: 'createSubscriber' | 'getSubscriber', skip = 0) {
    let reached!: () => void;
    let letGo!: () => void;
    const atCall = new Promise<void>((r) => (reached = r));
    const released = new Promise<void>((r) => (letGo = r));
    const real = api[area][op].bind(api[area]) as (...args: unknown[]) => Promise<unknown>;
    let seen = 0;
    (api[area] as unknown as Record<string, unknown>)[op] = async (...args: unknown[]) => {
      const answer = await real(...args);
      if (seen++ === skip) {
        reached();
        await released;
      }
      return answer;
    };
    return { atCall, letGo };
  }

  async function steal(): Promise<number> {
    // The lease of A expires (as if A had stalled past leaseMs) and B takes the job over.
    await h.store.jobs.expireLeasesOf('A', Date.now());
    const [taken] = await h.store.jobs.claim({ owner: 'B', leaseMs: 60_000, limit: 10, now: Date.now() });
    expect(taken?.leaseOwner).toBe('B');
    return taken!.id;
  }

  test.each([
    ['the create (A would release the job to polling with status provisioning)', 'createSubscriber', 0, undefined],
    ['the poll that finds the user provisioned (A would complete the job)', 'getSubscriber', 0, 'provisioning'],
  ] as const)('stolen during %s: neither the job nor the record is written by A', async (_what, op, skip, recordBefore) => {
    h = await createHarness();
    const fake = createFakeWebex({ pollsToProvision: 1 });
    const held = gate(fake.api, 'broadworks', op, skip);
    worker = createPipelineWorker({ store: h.store, api: fake.api, settings: FAST_SETTINGS, logger: createSilentLogger(), owner: 'A' });
    await worker.start();
    await h.accept('assign', 'alice@x', ALICE);
    await held.atCall;

    const before = await h.store.subscribers.get('alice@x');
    expect(before?.status).toBe(recordBefore);
    const auditBefore = (await h.store.audit.list({ entityType: 'subscriber', entityId: 'alice@x' })).length;
    const jobId = await steal();
    const taken = (await h.store.jobs.get(jobId))!;

    held.letGo();
    await worker.whenIdle({ timeoutMs: 10_000 });

    const job = (await h.store.jobs.get(jobId))!;
    expect({ state: job.state, owner: job.leaseOwner, attempts: job.attempts, updatedAt: job.updatedAt }).toEqual({
      state: 'running',
      owner: 'B',
      attempts: taken.attempts,
      updatedAt: taken.updatedAt,
    });
    expect((await h.store.subscribers.get('alice@x'))?.status).toBe(recordBefore);
    expect(await h.store.audit.list({ entityType: 'subscriber', entityId: 'alice@x' })).toHaveLength(auditBefore);
  });
});
