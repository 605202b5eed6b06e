// Child of two-process-claims.test.ts: one store instance (its own process and connection) on
// a shared database file, claiming and completing jobs until none is left. Prints DONE <id> per
// completed job and VIOLATION when it ever sees a user with two running jobs.
'use strict';
const path = require('node:path');

const dist = path.resolve(__dirname, '../../../dist');
const { createSqliteStore } = require(path.join(dist, 'store'));

async function main() {
  const { dataDir, owner, leaseMs, dieAfter } = JSON.parse(process.env.CLAIM_CHILD_OPTIONS);
  const store = createSqliteStore({ dataDir });
  const twoRunning = store.db.prepare("SELECT user_id FROM jobs WHERE state = 'running' GROUP BY user_id HAVING COUNT(*) > 1");
  let completed = 0;
  let idle = 0;
  while (idle < 40) {
    const jobs = await store.jobs.claim({ owner, leaseMs, limit: 5, now: Date.now() });
    if (twoRunning.all().length) process.stdout.write('VIOLATION\n');
    if (!jobs.length) {
      idle = (await store.jobs.countPending()) === 0 ? idle + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 25));
      continue;
    }
    idle = 0;
    for (const job of jobs) {
      // Dies holding leases: the other process must take these jobs over once they expire.
      if (dieAfter !== undefined && completed >= dieAfter) process.kill(process.pid, 'SIGKILL');
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await store.jobs.complete(job.lease, { attempts: job.attempts + 1, now: Date.now() });
        completed++;
        process.stdout.write(`DONE ${job.id}\n`);
      } catch (err) {
        if (err.code !== 'IMPB_ERR_STORE_LEASE_LOST') throw err;
        process.stdout.write(`LOST ${job.id}\n`);
      }
    }
  }
  await store.close();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
