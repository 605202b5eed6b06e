import { createManualClock } from '../../../src/domain';
import { attachPostgresStore, createPostgresStore } from '../../../src/store/postgres';
import { describePostgres } from '../../helpers/postgres';
import { runStoreContract } from './store-contract';

describePostgres('PostgreSQL store contract', (pg) => {
  let n = 0;
  runStoreContract('PostgreSQL', async () => {
    // A fresh schema per test: the contract expects an empty database each time.
    const schema = `${pg.schema}_${++n}`;
    await pg.adminQuery(`CREATE SCHEMA ${schema}`);
    const pool = pg.createPool({ options: `-c search_path=${schema}` });
    const clock = createManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
    const store = await createPostgresStore({ pool, schema, clock, logger: pg.logger });
    return {
      store,
      clock,
      open: () => attachPostgresStore({ pool, schema, clock, logger: pg.logger }),
      async close() {
        await store.close();
        await pool.end();
        await pg.adminQuery(`DROP SCHEMA ${schema} CASCADE`);
      },
    };
  });
});
