import { createSqliteStore, withConfigCache, type SqliteStore } from '../../src/store';
import type { Cluster, Template } from '../../src/domain';
import { makeTempDir } from '../helpers/temp-dir';

const template = (name: string, extra: Partial<Template> = {}): Template =>
  ({
    name,
    targetApi: 'broadworks',
    provisioningId: 'P',
    package: 'standard',
    enabled: true,
    account: { username: `${name}-as`, passwordHash: 'h' },
    ...extra,
  }) as Template;
const cluster = (name: string, sourceAddresses: string[]): Cluster =>
  ({ name, description: '', hosts: [], sourceAddresses, identityRules: { subjectCn: [], san: [], fingerprints: [] } }) as Cluster;

describe('the template and cluster read cache', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let raw: SqliteStore;
  let clock: number;
  beforeEach(() => {
    temp = makeTempDir();
    raw = createSqliteStore({ dataDir: temp.dir });
    clock = 1_000_000;
  });
  afterEach(async () => {
    await raw.close();
    temp.cleanup();
  });
  const cached = (ttlMs = 2_000) => withConfigCache(raw, { ttlMs, now: () => clock });

  it('serves repeated look-ups without the store until the TTL passes (a change made elsewhere is seen after at most the TTL)', async () => {
    const store = cached();
    await raw.templates.put(template('acme'));
    expect((await store.templates.get('acme'))!.enabled).toBe(true);
    // Written behind the cache's back, as another instance would.
    await raw.templates.put(template('acme', { enabled: false }));
    await raw.clusters.put(cluster('east', ['10.0.0.1']));
    expect((await store.templates.get('acme'))!.enabled).toBe(true);
    clock += 2_001;
    expect((await store.templates.get('acme'))!.enabled).toBe(false);
    expect(await store.clusters.list()).toHaveLength(1);
    store.invalidateConfigCache();
    await raw.clusters.delete('east');
    expect(await store.clusters.list()).toHaveLength(0);
  });

  it('forgets at once what is changed or deleted through it, unknown names included', async () => {
    const store = cached();
    expect(await store.templates.get('acme')).toBeUndefined();
    await store.templates.put(template('acme'));
    expect(await store.templates.get('acme')).toMatchObject({ name: 'acme', enabled: true });
    await store.templates.put(template('acme', { enabled: false }));
    expect((await store.templates.get('acme'))!.enabled).toBe(false);
    expect(await store.templates.list()).toHaveLength(1);
    expect(await store.templates.delete('acme')).toBe(true);
    expect(await store.templates.get('acme')).toBeUndefined();
    expect(await store.templates.list()).toHaveLength(0);

    await store.clusters.put(cluster('east', ['10.0.0.1']));
    expect((await store.clusters.get('east'))!.sourceAddresses).toEqual(['10.0.0.1']);
    await store.clusters.put(cluster('east', ['10.0.0.2']));
    expect((await store.clusters.get('east'))!.sourceAddresses).toEqual(['10.0.0.2']);
    expect((await store.clusters.list())[0]!.sourceAddresses).toEqual(['10.0.0.2']);
  });

  it('does not keep what a look-up read while a change was being written', async () => {
    const store = cached();
    await raw.templates.put(template('acme'));
    const realGet = raw.templates.get.bind(raw.templates);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A slow store (PostgreSQL): the read returns the old row after the write went through.
    const slow = jest.spyOn(raw.templates, 'get').mockImplementationOnce(async (name) => {
      const before = await realGet(name);
      await gate;
      return before;
    });
    const inFlight = store.templates.get('acme');
    await store.templates.put(template('acme', { enabled: false }));
    release();
    expect((await inFlight)!.enabled).toBe(true);
    slow.mockRestore();
    expect((await store.templates.get('acme'))!.enabled).toBe(false);
  });

  it('hands out frozen values, so no caller can change what the next request reads', async () => {
    const store = cached();
    await store.templates.put(template('acme'));
    const t = (await store.templates.get('acme'))!;
    expect(() => ((t as { enabled: boolean }).enabled = false)).toThrow(TypeError);
    expect(() => ((t.account as { passwordHash: string }).passwordHash = 'x')).toThrow(TypeError);
    expect((await store.templates.get('acme'))!.enabled).toBe(true);
  });

  it('with a TTL of 0 reads the store every time, and keeps everything else of the store (db, events)', async () => {
    const store = cached(0);
    await raw.templates.put(template('acme'));
    expect(await store.templates.get('acme')).toBeDefined();
    await raw.templates.delete('acme');
    expect(await store.templates.get('acme')).toBeUndefined();
    expect(store.db).toBe(raw.db);
    expect(store.events).toBe(raw.events);
    expect(await store.templates.count()).toBe(0);
  });
});

describe('the read cache and units of work', () => {
  it('a template written inside a unit of work is not served stale afterwards', async () => {
    const temp = makeTempDir();
    const raw = createSqliteStore({ dataDir: temp.dir });
    try {
      const store = withConfigCache(raw);
      await store.templates.put(template('acme'));
      expect((await store.templates.get('acme'))!.enabled).toBe(true);
      await store.transaction(async (tx) => {
        await tx.templates.put(template('acme', { enabled: false }));
        await tx.clusters.put(cluster('east', ['10.0.0.1']));
      });
      expect((await store.templates.get('acme'))!.enabled).toBe(false);
      expect(await store.clusters.get('east')).toBeDefined();
    } finally {
      await raw.close();
      temp.cleanup();
    }
  });
});
