import { performance } from 'node:perf_hooks';
import type { ProvisioningEvent } from '../../src/domain';
import { createSqliteStore, type SqliteStore } from '../../src/store';
import { COMPRESS_AT, ENCODE_SLICE, packRequestText, unpackRequestText } from '../../src/store/sqlite/stored-text';
import { makeTempDir } from '../helpers/temp-dir';

function event(userId: string): ProvisioningEvent {
  return { kind: 'assign', template: 'bw', userId, enterpriseId: 'ent', profile: { firstName: 'A', lastName: 'B', email: `${userId}@example.net` } };
}

function dbBytes(store: SqliteStore): number {
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  return (store.db.pragma('page_count', { simple: true }) as number) * (store.db.pragma('page_size', { simple: true }) as number);
}

async function acceptDocument(store: SqliteStore, commands: number, doc: string, prefix: string) {
  const inputs = Array.from({ length: commands }, (_, i) => ({ event: event(`${prefix}${i}`), requestId: `${prefix}-req`, dedupeKey: `${prefix}-${i}` }));
  return store.events.accept(inputs, { duplicateWindowSeconds: 300, rawRequest: doc });
}

describe('inbound requests are stored once', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    temp = makeTempDir('impb-requests-');
    store = createSqliteStore({ dataDir: temp.dir });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  test('a 59 KB document with 300 commands grows the database by about one document plus small rows, not 300 copies', async () => {
    const doc = `<BroadsoftDocument>${'x'.repeat(59 * 1024)}</BroadsoftDocument>`;
    const before = dbBytes(store);
    const out = await acceptDocument(store, 300, doc, 'u');
    const growth = dbBytes(store) - before;
    // 300 copies would be 17.7 MB; one copy plus 300 small event and job rows stays under 10 documents.
    expect(growth / doc.length).toBeLessThan(10);
    expect((await store.events.get(out[299]!.eventId))!.rawRequest).toBe(doc);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM requests').get()).toEqual({ n: 1 });
  });

  test('one accept of 1,000 events yields to the event loop while it is stored, in time linear in its size (figures printed)', async () => {
    const doc = '<BroadsoftDocument/>';
    await acceptDocument(store, 50, doc, 'warm');
    const hold = async (n: number, prefix: string) => {
      // The whole batch is one synchronous commit inside one setImmediate: measure that turn.
      let longest = 0;
      let last = performance.now();
      const tick = setInterval(() => {
        const t = performance.now();
        longest = Math.max(longest, t - last);
        last = t;
      }, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const t0 = performance.now();
      await acceptDocument(store, n, doc, prefix);
      const total = performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(tick);
      return { longest, total };
    };
    // The best of three: a pause of the machine (another jest worker compiling, say) lands on one run, not on all.
    const best = async (n: number, prefix: string) => {
      const runs = [];
      for (const k of [0, 1, 2]) runs.push(await hold(n, `${prefix}${k}-`));
      return runs.reduce((a, b) => (b.total < a.total ? b : a));
    };
    const small = await best(100, 's');
    const large = await best(1000, 'l');
    process.stdout.write(
      `accept of 1,000 events: ${large.total.toFixed(1)} ms (longest loop turn ${large.longest.toFixed(1)} ms); 100 events: ${small.total.toFixed(1)} ms\n`,
    );
    expect(large.total / Math.max(small.total, 1)).toBeLessThan(30);
    // It yielded while storing: no single turn held the loop for the whole accept.
    expect(large.longest).toBeLessThan(large.total * 0.7);
  });

  test('a large request is stored deflated, once, and read back as the same text; a small one stays text', async () => {
    // Varied content, not one repeated character: the round trip must be exact, multi-byte characters included.
    const filler = Array.from({ length: 40_000 }, (_, i) => `<note n="${i}">Zoë ${i.toString(36)} — ${'ab'.repeat(i % 7)}</note>`).join('');
    const doc = `POST /provisioning/v1/bw\ncontent-type: text/xml\n\n<BroadsoftDocument>${filler}</BroadsoftDocument>`;
    expect(doc.length).toBeGreaterThanOrEqual(COMPRESS_AT);
    const before = dbBytes(store);
    const out = await acceptDocument(store, 3, doc, 'big');
    const growth = dbBytes(store) - before;
    const row = store.db.prepare('SELECT typeof(raw_request) AS kind, length(raw_request) AS bytes FROM requests').get() as { kind: string; bytes: number };
    expect(row.kind).toBe('blob');
    expect(row.bytes).toBeLessThan(Buffer.byteLength(doc) / 3);
    for (const { eventId } of out) expect((await store.events.get(eventId))!.rawRequest).toBe(doc);
    expect((await store.events.listForUser('big1'))[0]!.rawRequest).toBe(doc);
    process.stdout.write(`large request: ${Buffer.byteLength(doc)} bytes of text stored as ${row.bytes} (database grew ${growth} bytes)\n`);

    const small = await acceptDocument(store, 1, '<BroadsoftDocument>small</BroadsoftDocument>', 'small');
    expect(store.db.prepare('SELECT typeof(raw_request) AS kind FROM requests ORDER BY id DESC LIMIT 1').get()).toEqual({ kind: 'text' });
    expect((await store.events.get(small[0]!.eventId))!.rawRequest).toBe('<BroadsoftDocument>small</BroadsoftDocument>');
  });

  test('an accepted event touches no dedupe-key index (the duplicate rule reads the user latest event), and duplicates are still found', async () => {
    const indexes = (
      store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'inbound_events'").all() as Array<{ name: string }>
    ).map((r) => r.name);
    expect(indexes).not.toContain('inbound_events_dedupe');
    const input = { event: event('dup1'), requestId: 'd-req', dedupeKey: 'same-key' };
    const [first] = await store.events.accept([input], { duplicateWindowSeconds: 300 });
    const [again] = await store.events.accept([{ ...input, requestId: 'd-req-2' }], { duplicateWindowSeconds: 300 });
    expect(again).toEqual({ eventId: first!.eventId, duplicate: true });
  });

  test('a large text is encoded a slice per turn of the event loop, never splitting a surrogate pair', async () => {
    // An emoji (a surrogate pair) straddles every slice boundary; the round trip must be exact.
    const unit = 'Zoë — <x>'.padEnd(ENCODE_SLICE - 1, 'p') + '\u{1F4DE}';
    const text = unit.repeat(16);
    expect(unpackRequestText(await packRequestText(text))).toBe(text);

    // Measured against a one-shot encoding of the same text, in this process: what runs before
    // packRequestText returns is one slice, not the whole text.
    const fastest = (fn: () => unknown) =>
      Math.min(
        ...[0, 1, 2].map(() => {
          const t0 = performance.now();
          fn();
          return performance.now() - t0;
        }),
      );
    const pending: Array<Promise<Buffer>> = [];
    const beforeReturn = fastest(() => pending.push(packRequestText(text)));
    const oneShot = fastest(() => Buffer.from(text, 'utf8'));
    await Promise.all(pending);
    process.stdout.write(`packing 16 MB of text: ${beforeReturn.toFixed(1)} ms before the first yield; one-shot UTF-8 encoding ${oneShot.toFixed(1)} ms\n`);
    expect(beforeReturn).toBeLessThan(oneShot / 2);
  });
});
