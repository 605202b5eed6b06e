import fs from 'node:fs';
import { systemClock, type ProvisioningEvent } from '../../src/domain';
import { isImpbError } from '../../src/errors';
import { createSqliteStore, type SqliteStore } from '../../src/store';
import { createSqliteEventLog } from '../../src/store/sqlite/event-log';
import { createWalSync } from '../../src/store/sqlite/wal-sync';
import { makeTempDir } from '../helpers/temp-dir';

const input = (n: number) => ({
  event: { kind: 'assign', template: 't', userId: `u${n}@x`, enterpriseId: 'e', profile: { firstName: 'A' } } as ProvisioningEvent,
  requestId: `r${n}`,
  rawRequest: 'POST /x\n\n<doc/>',
  dedupeKey: `k${n}`,
});

/** The disk is the one thing a test cannot slow down or break on demand: fdatasync is injected, the database is real. */
function controlledDisk() {
  const calls: Array<{ fd: number; done: (err: NodeJS.ErrnoException | null) => void }> = [];
  return {
    calls,
    fdatasync: (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void calls.push({ fd, done }),
    finish: (i: number, err: NodeJS.ErrnoException | null = null) => fs.fdatasync(calls[i]!.fd, (real) => calls[i]!.done(err ?? real)),
  };
}

const settledSoon = async (p: Promise<unknown>) => {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  // Several turns of the event loop: the commit itself runs in a setImmediate.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe('group commit with the WAL flushed off the event loop', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    temp = makeTempDir();
    store = createSqliteStore({ dataDir: temp.dir });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('answers an accept only after a flush of the WAL that started after its commit, and leaves the connection at synchronous=FULL', async () => {
    const disk = controlledDisk();
    const log = createSqliteEventLog(store.db, systemClock, undefined, createWalSync(store.db, disk));
    const first = log.accept([input(1)], { duplicateWindowSeconds: 60 });
    expect(await settledSoon(first)).toBe(false);
    // Committed (visible on the connection), not yet acknowledged.
    expect(await log.count()).toBe(1);
    expect(disk.calls).toHaveLength(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);

    // Arriving while the first flush runs: that flush may not cover it, so it waits for the next,
    // and is committed just before that one starts (with whatever else arrived meanwhile).
    const second = log.accept([input(2)], { duplicateWindowSeconds: 60 });
    const third = log.accept([input(3)], { duplicateWindowSeconds: 60 });
    expect(await settledSoon(second)).toBe(false);
    expect(await log.count()).toBe(1);
    expect(disk.calls).toHaveLength(1);
    disk.finish(0);
    expect((await first)[0]!.duplicate).toBe(false);
    expect(await settledSoon(second)).toBe(false);
    expect(await log.count()).toBe(3);
    expect(disk.calls).toHaveLength(2);
    expect(log.commitStats()).toMatchObject({ commits: 2, largestBatch: 2 });
    disk.finish(1);
    expect((await second)[0]!.eventId).toBeGreaterThan((await first)[0]!.eventId);
    expect((await third)[0]!.duplicate).toBe(false);
  });

  it('a failed flush fails its requests and every later one (nothing written since can be promised durable)', async () => {
    const disk = controlledDisk();
    const log = createSqliteEventLog(store.db, systemClock, undefined, createWalSync(store.db, disk));
    const first = log.accept([input(1)], { duplicateWindowSeconds: 60 });
    await settledSoon(first);
    disk.finish(0, Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const err = await first.catch((e: unknown) => e);
    expect(isImpbError(err, 'IMPB_ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).toMatch(/imp-bridge\.sqlite-wal.*EIO.*restarted/);
    await expect(log.accept([input(2)], { duplicateWindowSeconds: 60 })).rejects.toMatchObject({ code: 'IMPB_ERR_STORE_UNAVAILABLE' });
  });

  it('the store itself flushes for real: accepted events survive a reopen', async () => {
    const outcomes = await Promise.all([1, 2, 3].map((n) => store.events.accept([input(n)], { duplicateWindowSeconds: 60 })));
    expect(outcomes.flat().every((o) => !o.duplicate)).toBe(true);
    await store.close();
    store = createSqliteStore({ dataDir: temp.dir });
    expect(await store.events.count()).toBe(3);
  });
});

describe('WAL checkpoints off the event loop', () => {
  it('turns the automatic checkpoint (inside COMMIT, on the event loop) off and copies the WAL into the database from its worker', async () => {
    const temp = makeTempDir();
    const store = createSqliteStore({ dataDir: temp.dir });
    try {
      const deadline = Date.now() + 10_000;
      // The worker starts with the first accepted request.
      await store.events.accept([input(10_000)], { duplicateWindowSeconds: 0 });
      while (store.db.pragma('wal_autocheckpoint', { simple: true }) !== 0) {
        if (Date.now() > deadline) throw new Error('the checkpoint worker did not start');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const before = fs.statSync(store.file).size;
      // Well under 1,000 pages: the automatic checkpoint would not have copied any of it.
      await Promise.all(
        Array.from({ length: 200 }, (_, n) => store.events.accept([{ ...input(n), rawRequest: 'x'.repeat(1000) }], { duplicateWindowSeconds: 60 })),
      );
      while (fs.statSync(store.file).size <= before) {
        if (Date.now() > deadline) throw new Error('the WAL was not checkpointed into the database');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await store.close();
      temp.cleanup();
    }
    expect(fs.existsSync(`${store.file}-wal`)).toBe(false);
  });
});

describe("a user's latest event", () => {
  it('is the newest one with its kind, template, enterprise and time, and undefined for an unknown user', async () => {
    const temp = makeTempDir();
    const store = createSqliteStore({ dataDir: temp.dir });
    try {
      await store.events.accept([input(1)], { duplicateWindowSeconds: 0 });
      await store.events.accept([{ ...input(2), event: { ...input(2).event, userId: 'u1@x', kind: 'unassign', template: 't2' } }], {
        duplicateWindowSeconds: 0,
      });
      const [newest] = await store.events.listForUser('u1@x', 1);
      expect(await store.events.latestForUser('u1@x')).toEqual({
        id: newest!.id,
        kind: 'unassign',
        template: 't2',
        enterpriseId: 'e',
        receivedAt: newest!.receivedAt,
      });
      expect(await store.events.latestForUser('nobody@x')).toBeUndefined();
    } finally {
      await store.close();
      temp.cleanup();
    }
  });
});

describe('the checkpoint worker and the main process flags', () => {
  it('does not run a --require preload of the main process again (it would, e.g., send a second SIGTERM)', async () => {
    const { spawnSync } = await import('node:child_process');
    const temp = makeTempDir();
    try {
      const preload = `${temp.dir}/preload.js`;
      const marks = `${temp.dir}/marks`;
      fs.writeFileSync(
        preload,
        `require('node:fs').appendFileSync(${JSON.stringify(marks)}, require('node:worker_threads').isMainThread ? 'main\\n' : 'worker\\n');`,
      );
      const storeModule = require.resolve('../../dist/store');
      const run = spawnSync(
        process.execPath,
        [
          '-r',
          preload,
          '-e',
          `(async () => { const s = require(${JSON.stringify(storeModule)}).createSqliteStore({ dataDir: ${JSON.stringify(temp.dir + '/data')} }); await new Promise((r) => setTimeout(r, 300)); await s.close(); })()`,
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(run.status).toBe(0);
      expect(fs.readFileSync(marks, 'utf8').trim().split('\n')).toEqual(['main']);
    } finally {
      temp.cleanup();
    }
  });
});
