import Database from 'better-sqlite3';
import path from 'node:path';
import { createSqliteStore, STORE_FILE_NAME, type SqliteStore } from '../../src/store';
import { MIGRATIONS, migrate } from '../../src/store/sqlite/migrations';
import { makeTempDir } from '../helpers/temp-dir';

describe('customers: created by the bridge', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore | undefined;
  beforeEach(() => {
    temp = makeTempDir('impb-customers-');
  });
  afterEach(async () => {
    await store?.close();
    temp.cleanup();
  });

  test('once set the flag survives upserts that do not carry it', async () => {
    store = createSqliteStore({ dataDir: temp.dir });
    await store.customers.upsert({ enterpriseId: 'e', template: 'ws', status: 'creating', createdByBridge: true });
    await store.customers.upsert({ enterpriseId: 'e', template: 'ws', status: 'provisioned', webexCustomerId: 'c1' });
    expect(await store.customers.get('e')).toMatchObject({ status: 'provisioned', createdByBridge: true });
    await store.customers.upsert({ enterpriseId: 'other', template: 'ws', status: 'provisioned', webexCustomerId: 'c2' });
    expect((await store.customers.get('other'))!.createdByBridge).toBeUndefined();
  });

  test('migration 4 marks the customers an older version followed (those with a Location) as created by the bridge', async () => {
    const db = new Database(path.join(temp.dir, STORE_FILE_NAME));
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version <= 3),
    );
    const insert = db.prepare(
      "INSERT INTO customers (enterprise_id, template, status, location_url, created_at, updated_at) VALUES (?, 'ws', 'provisioned', ?, 'x', 'x')",
    );
    insert.run('followed', 'https://webex/v1/wholesale/customers/c1');
    insert.run('found', null);
    db.close();
    store = createSqliteStore({ dataDir: temp.dir });
    expect((await store.customers.get('followed'))!.createdByBridge).toBe(true);
    expect((await store.customers.get('found'))!.createdByBridge).toBeUndefined();
  });
});
