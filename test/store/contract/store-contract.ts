import { createManualClock, type ProvisioningEvent } from '../../../src/domain';
import { isImpbError } from '../../../src/errors';
import type { Store } from '../../../src/store';
import { recordTimeChecks } from './record-times';

/**
 * The store contract: what every Store implementation must do, whatever it is built on. A
 * factory opens a fresh, empty database; `open` gives one more store instance on that same
 * database (a second process, in effect); both read time from `clock`.
 */
export interface ContractDatabase {
  store: Store;
  open(): Store;
  clock: ReturnType<typeof createManualClock>;
  close(): Promise<void>;
}
export type StoreFactory = () => Promise<ContractDatabase>;

const LEASE = 1_000;

export function event(userId: string, kind: ProvisioningEvent['kind'] = 'assign', extra: Partial<ProvisioningEvent> = {}): ProvisioningEvent {
  return { kind, template: 'bw', userId, enterpriseId: 'ent', profile: { firstName: 'A', lastName: 'B' }, ...extra };
}

function expectLeaseLost(err: unknown): void {
  expect(isImpbError(err) && err.code).toBe('IMPB_ERR_STORE_LEASE_LOST');
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let db: ContractDatabase;
    let extra: Store[] = [];
    const second = () => {
      const s = db.open();
      extra.push(s);
      return s;
    };
    const accept = (store: Store, userId: string, kind: ProvisioningEvent['kind'] = 'assign', key = `${userId}-${kind}-${Math.random()}`, windowSeconds = 0) =>
      store.events.accept([{ event: event(userId, kind), requestId: key, rawRequest: `<doc ${key}/>`, dedupeKey: key }], {
        duplicateWindowSeconds: windowSeconds,
      });

    beforeEach(async () => {
      db = await factory();
      extra = [];
    });
    afterEach(async () => {
      for (const s of extra) await s.close();
      await db.close();
    });

    describe('ownership', () => {
      test("ownershipOf reads the user's subscriber record and latest event in one answer", async () => {
        const { store } = db;
        expect(await store.events.ownershipOf('nobody')).toEqual({});
        await accept(store, 'own1', 'assign');
        await accept(store, 'own1', 'unassign');
        expect(await store.events.ownershipOf('own1')).toEqual({ latest: { kind: 'unassign', template: 'bw', enterpriseId: 'ent' } });
        await store.subscribers.upsert({ userId: 'own1', template: 'other', enterpriseId: 'ent2', status: 'deleted', isActive: false, profile: {} });
        expect(await store.events.ownershipOf('own1')).toEqual({
          subscriber: { template: 'other', enterpriseId: 'ent2', status: 'deleted' },
          latest: { kind: 'unassign', template: 'bw', enterpriseId: 'ent' },
        });
        await store.subscribers.upsert({ userId: 'own2', template: 'bw', enterpriseId: 'ent', status: 'provisioned', isActive: true, profile: {} });
        expect(await store.events.ownershipOf('own2')).toEqual({ subscriber: { template: 'bw', enterpriseId: 'ent', status: 'provisioned' } });
      });
    });

    describe('unit of work', () => {
      test('all its writes commit together, or none when it throws', async () => {
        const { store } = db;
        await expect(
          store.transaction(async (tx) => {
            await tx.jobs.enqueue({ eventId: 0, kind: 'resync', template: 'bw', userId: 'u1', enterpriseId: 'ent', nextRunAt: 0, payload: {} });
            await tx.subscribers.upsert({ userId: 'u1', template: 'bw', enterpriseId: 'ent', status: 'provisioned', isActive: true, profile: {} });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.jobs.list({ userId: 'u1' })).toEqual([]);
        expect(await store.subscribers.get('u1')).toBeUndefined();
        expect(await store.audit.list({ entityId: 'u1' })).toEqual([]);

        await store.transaction(async (tx) => {
          await tx.jobs.enqueue({ eventId: 0, kind: 'resync', template: 'bw', userId: 'u1', enterpriseId: 'ent', nextRunAt: 0, payload: {} });
          await tx.subscribers.upsert({ userId: 'u1', template: 'bw', enterpriseId: 'ent', status: 'provisioned', isActive: true, profile: {} });
        });
        expect(await store.jobs.list({ userId: 'u1' })).toHaveLength(1);
        expect(await store.subscribers.get('u1')).toMatchObject({ status: 'provisioned' });
      });

      test('readers outside an open unit never see its partial writes, and ingest still commits', async () => {
        const { store } = db;
        let release!: () => void;
        let started!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const halfway = new Promise<void>((resolve) => (started = resolve));
        const unit = store.transaction(async (tx) => {
          await tx.subscribers.upsert({ userId: 'u2', template: 'bw', enterpriseId: 'ent', status: 'queued', isActive: true, profile: {} });
          started();
          await gate;
          await tx.subscribers.upsert({ userId: 'u2', template: 'bw', enterpriseId: 'ent', status: 'provisioned', isActive: true, profile: {} });
        });
        await halfway;
        const read = store.subscribers.get('u2');
        const accepted = accept(store, 'u3');
        await new Promise((resolve) => setTimeout(resolve, 20));
        release();
        await unit;
        expect(await read).toMatchObject({ status: 'provisioned' });
        expect((await accepted)[0]!.duplicate).toBe(false);
      });

      test('a job outcome and its subscriber record: a stale lease rolls both back', async () => {
        const { store, clock } = db;
        await accept(store, 'u4');
        const [job] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 1, now: clock.now() });
        clock.advance(LEASE + 1);
        const [taken] = await second().jobs.claim({ owner: 'B', leaseMs: LEASE, limit: 1, now: clock.now() });
        expect(taken!.id).toBe(job!.id);
        const err = await rejection(
          store.transaction(async (tx) => {
            await tx.subscribers.upsert({ userId: 'u4', template: 'bw', enterpriseId: 'ent', status: 'failed', isActive: true, profile: {} });
            await tx.jobs.fail(job!.lease, {
              lastError: { code: 'IMPB_ERR_INTERNAL', message: 'x', at: clock.now() },
              now: clock.now(),
            });
          }),
        );
        expectLeaseLost(err);
        expect(await store.subscribers.get('u4')).toBeUndefined();
        expect((await store.jobs.get(job!.id))!.state).toBe('running');
      });
    });

    describe('leases', () => {
      test('an expired lease is taken over with lookupFirst; the stale token is refused everywhere; the job finishes once', async () => {
        const { store, clock } = db;
        const other = second();
        await accept(store, 'u1');
        const [a] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 5, now: clock.now() });
        expect(a).toMatchObject({ state: 'running', leaseOwner: 'A', lookupFirst: false });
        expect(await other.jobs.claim({ owner: 'B', leaseMs: LEASE, limit: 5, now: clock.now() })).toEqual([]);
        clock.advance(LEASE + 1);
        const [b] = await other.jobs.claim({ owner: 'B', leaseMs: LEASE, limit: 5, now: clock.now() });
        expect(b).toMatchObject({ id: a!.id, leaseOwner: 'B', lookupFirst: true });
        expect(b!.lease.token).not.toBe(a!.lease.token);
        for (const stale of [
          store.jobs.renew(a!.lease, { leaseMs: LEASE, now: clock.now() }),
          store.jobs.complete(a!.lease, { now: clock.now() }),
          store.jobs.fail(a!.lease, { lastError: { code: 'IMPB_ERR_INTERNAL', message: 'x', at: clock.now() }, now: clock.now() }),
          store.jobs.release(a!.lease, { to: 'queued', nextRunAt: clock.now(), now: clock.now() }),
          store.jobs.coalesce(a!.lease, { coalesced: [a!.id], now: clock.now() }),
        ]) {
          expectLeaseLost(await rejection(stale));
        }
        await other.jobs.complete(b!.lease, { attempts: 1, now: clock.now() });
        expect(await store.jobs.get(a!.id)).toMatchObject({ state: 'done', attempts: 1 });
        expect((await store.jobs.get(a!.id))!.leaseOwner).toBeUndefined();
      });

      test('renewal keeps a lease alive past its first expiry', async () => {
        const { store, clock } = db;
        await accept(store, 'u1');
        const [a] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 1, now: clock.now() });
        clock.advance(LEASE * 0.8);
        const renewed = await store.jobs.renew(a!.lease, { leaseMs: LEASE, now: clock.now() });
        clock.advance(LEASE * 0.8);
        expect(await second().jobs.claim({ owner: 'B', leaseMs: LEASE, limit: 1, now: clock.now() })).toEqual([]);
        expect(await store.jobs.nextDueAt()).toBe(renewed.expiresAt);
        await store.jobs.release(renewed, { to: 'retry_wait', nextRunAt: clock.now() + 5_000, attempts: 1, now: clock.now() });
        expect(await store.jobs.get(a!.id)).toMatchObject({ state: 'retry_wait', attempts: 1 });
      });

      test('expireLeasesOf frees only the named owner’s leases', async () => {
        const { store, clock } = db;
        await accept(store, 'u1');
        await accept(store, 'u2');
        await store.jobs.claim({ owner: 'A', leaseMs: 60_000, limit: 1, now: clock.now() });
        await store.jobs.claim({ owner: 'B', leaseMs: 60_000, limit: 1, now: clock.now() });
        expect(await store.jobs.expireLeasesOf('A', clock.now())).toBe(1);
        const [again] = await store.jobs.claim({ owner: 'A', leaseMs: 60_000, limit: 5, now: clock.now() });
        expect(again).toMatchObject({ userId: 'u1', lookupFirst: true });
      });

      test('two store instances claiming concurrently: no user ever has two running jobs, every job finishes once', async () => {
        const { store, clock } = db;
        const other = second();
        const users = Array.from({ length: 30 }, (_, i) => `user${i}`);
        for (const u of users) for (const kind of ['assign', 'modify', 'modify'] as const) await accept(store, u, kind);
        const total = users.length * 3;
        const finished = new Map<number, number>();
        for (let round = 0; round < 200 && finished.size < total; round++) {
          const [x, y] = await Promise.all([
            store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 7, now: clock.now() }),
            other.jobs.claim({ owner: 'B', leaseMs: LEASE, limit: 7, now: clock.now() }),
          ]);
          const running = await store.jobs.list({ state: 'running', limit: 1000 });
          const byUser = new Map<string, number>();
          for (const j of running) byUser.set(j.userId, (byUser.get(j.userId) ?? 0) + 1);
          expect([...byUser.values()].every((n) => n === 1)).toBe(true);
          // Every third round one owner "dies" with its jobs: the other takes them over after the lease.
          const dies = round % 3 === 2;
          await Promise.all([
            ...x.map(async (j) => {
              if (dies) return;
              await store.jobs.complete(j.lease, { now: clock.now() });
              finished.set(j.id, (finished.get(j.id) ?? 0) + 1);
            }),
            ...y.map(async (j) => {
              await other.jobs.complete(j.lease, { now: clock.now() });
              finished.set(j.id, (finished.get(j.id) ?? 0) + 1);
            }),
          ]);
          if (dies) clock.advance(LEASE + 1);
        }
        expect(finished.size).toBe(total);
        expect([...finished.values()].every((n) => n === 1)).toBe(true);
        expect(await store.jobs.countByState()).toEqual({ done: total });
      });

      test('coalescing under the head’s lease hands the lease to the job that runs instead', async () => {
        const { store, clock } = db;
        await accept(store, 'u1', 'assign');
        await accept(store, 'u1', 'assign');
        const [head] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 1, now: clock.now() });
        const [, later] = await store.jobs.pendingForUser('u1');
        const run = await store.jobs.coalesce(head!.lease, { coalesced: [head!.id], run: later!.id, now: clock.now() });
        expect(run).toMatchObject({ id: later!.id, state: 'running' });
        expect((await store.jobs.get(head!.id))!.state).toBe('coalesced');
        await store.jobs.complete(run!.lease, { now: clock.now() });
        expect(await store.jobs.countByState()).toEqual({ coalesced: 1, done: 1 });
      });
    });

    describe('guarded transitions', () => {
      test('a change names the state it leaves; the domain refuses a move it does not allow', async () => {
        const { store, clock } = db;
        const id = await store.jobs.enqueue({ eventId: 0, kind: 'resync', template: 'bw', userId: 'u1', enterpriseId: 'ent', nextRunAt: 0, payload: {} });
        expect(await store.jobs.transition(id, { from: ['failed'], to: 'queued', now: clock.now() })).toBe(false);
        expect(await store.jobs.transition(id, { from: ['queued'], to: 'cancelled', now: clock.now() }, 'admin-api')).toBe(true);
        const err = await rejection(store.jobs.transition(id, { from: ['cancelled'], to: 'done', now: clock.now() }));
        expect(isImpbError(err) && err.code).toBe('IMPB_ERR_STORE_CONFLICT');
        expect((await store.audit.list({ entityType: 'job', entityId: String(id) })).map((a) => a.actor)).toEqual(['admin-api']);
      });

      test('parked jobs (bad Webex credentials) keep their user’s place and resume in one call', async () => {
        const { store, clock } = db;
        await accept(store, 'u1', 'assign');
        await accept(store, 'u1', 'unassign');
        const [a] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 5, now: clock.now() });
        await store.jobs.fail(a!.lease, {
          to: 'awaiting_credentials',
          lastError: { code: 'IMPB_ERR_WEBEX_UNAUTHORIZED', message: '401', at: clock.now() },
          now: clock.now(),
        });
        // The unassign must not overtake the parked assign.
        expect(await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 5, now: clock.now() })).toEqual([]);
        expect(await store.jobs.resumeParked(clock.now())).toBe(1);
        const [again] = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 5, now: clock.now() });
        expect(again).toMatchObject({ id: a!.id, kind: 'assign' });
      });

      test('bulk retry moves failed jobs matching template and error code, in batches', async () => {
        const { store, clock } = db;
        for (let i = 0; i < 7; i++) await accept(store, `f${i}`);
        const claimed = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 10, now: clock.now() });
        for (const [i, j] of claimed.entries()) {
          await store.jobs.fail(j.lease, {
            lastError: { code: 'IMPB_ERR_WEBEX_REJECTED', webexErrorCode: i < 5 ? '1001' : '2002', message: 'x', at: clock.now() },
            now: clock.now(),
          });
        }
        expect(
          await store.jobs.transitionMatching(
            { state: 'failed', template: 'bw', errorCode: '1001' },
            { to: 'queued', nextRunAt: clock.now(), now: clock.now(), batchSize: 2 },
          ),
        ).toEqual({ matched: 5, moved: 5 });
        expect(await store.jobs.countByState()).toEqual({ queued: 5, failed: 2 });
      });
    });

    describe('intake', () => {
      test('the duplicate window: a re-sent request inside it is acknowledged once; after it, or after another event of the user, it is new', async () => {
        const { store, clock } = db;
        const [first] = await accept(store, 'u1', 'assign', 'k1', 300);
        const [again] = await accept(store, 'u1', 'assign', 'k1', 300);
        expect(again).toEqual({ eventId: first!.eventId, duplicate: true });
        clock.advance(301_000);
        expect((await accept(store, 'u1', 'assign', 'k1', 300))[0]!.duplicate).toBe(false);
        // assign, unassign, assign inside the window: three events.
        await accept(store, 'u1', 'unassign', 'k2', 300);
        expect((await accept(store, 'u1', 'assign', 'k1', 300))[0]!.duplicate).toBe(false);
        expect(await store.jobs.countPending()).toBe(4);
      });

      test('a password-only modify is recorded but makes no job; a document is stored once for all its events', async () => {
        const { store } = db;
        const doc = '<BroadsoftDocument>…</BroadsoftDocument>';
        const out = await store.events.accept(
          [
            { event: event('p1', 'modify', { passwordOnly: true }), requestId: 'r', dedupeKey: 'p1' },
            { event: event('p2', 'assign'), requestId: 'r', dedupeKey: 'p2' },
          ],
          { duplicateWindowSeconds: 0, rawRequest: doc },
        );
        expect(await store.jobs.countPending()).toBe(1);
        expect((await store.events.get(out[0]!.eventId))!.rawRequest).toBe(doc);
        expect((await store.events.get(out[1]!.eventId))!.rawRequest).toBe(doc);
      });
    });

    describe('time', () => recordTimeChecks(() => db));

    describe('retention', () => {
      test('ended jobs, their events and requests, call log and unknown requests go after the data period; audit after its own; unfinished work stays', async () => {
        const { store, clock } = db;
        await accept(store, 'old-done');
        await accept(store, 'old-pending');
        const claimed = await store.jobs.claim({ owner: 'A', leaseMs: LEASE, limit: 10, now: clock.now() });
        const done = claimed.find((j) => j.userId === 'old-done')!;
        await store.jobs.complete(done.lease, { now: clock.now() });
        await store.jobs.release(claimed.find((j) => j.userId === 'old-pending')!.lease, { to: 'retry_wait', nextRunAt: clock.now() + 1e12, now: clock.now() });
        await store.audit.append({ actor: 'cli', entityType: 'x', entityId: 'y', action: 'z', at: clock.now() });
        await store.webexCalls.record({ operation: 'op', method: 'GET', path: '/x', trackingId: 't', at: clock.now() });
        clock.advance(91 * 86_400_000);
        await accept(store, 'fresh');
        const policy = { dataDays: 90, auditDays: 400, batchSize: 1 };
        const deleted = await store.retention.sweep(policy, clock.now());
        expect(deleted).toMatchObject({ jobs: 1, inbound_events: 1, requests: 1, webex_calls: 1, audit: 0 });
        expect((await store.jobs.list({})).map((j) => j.userId).sort()).toEqual(['fresh', 'old-pending']);
        clock.advance(310 * 86_400_000);
        expect((await store.retention.sweep(policy, clock.now())).audit).toBeGreaterThanOrEqual(1);
      });
    });
  });
}
