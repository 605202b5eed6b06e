import { createManualClock } from '../../../src/domain';
import { createSqliteStore } from '../../../src/store';
import { makeTempDir } from '../../helpers/temp-dir';
import { runStoreContract } from './store-contract';

runStoreContract('SQLite', async () => {
  const temp = makeTempDir('impb-contract-');
  const clock = createManualClock(Date.parse('2026-06-01T00:00:00.000Z'));
  const store = createSqliteStore({ dataDir: temp.dir, clock });
  return {
    store,
    clock,
    open: () => createSqliteStore({ dataDir: temp.dir, clock }),
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
});
