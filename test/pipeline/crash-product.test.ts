import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { certPaths } from '../../src/certs';
import { STORE_FILE_NAME } from '../../src/store';
import { ensureDistFresh } from '../global-setup';
import { startProduct, type ProductProcess } from '../helpers/product-process';
import { makeTempDir } from '../helpers/temp-dir';
import {
  createsPerUser,
  crashPlan,
  jobsPerEvent,
  LAST_NAME,
  liveSubscribers,
  PLAN_USERS,
  randomKillPoint,
  sendThroughKill,
  sendUnacknowledged,
  type Step,
} from './crash-kit';
import { startSim, type SimUnderTest } from './sim-harness';

/**
 * The compiled product (`node dist/main.js`) behind its real mTLS flow-through endpoint,
 * SIGKILLed at a random point while it accepts 2,000 requests and provisions against the
 * simulator, then restarted on the same data dir; the sender re-sends every request it did not
 * see acknowledged (as the AS does). Each acknowledged request must reach its end state once.
 */
function xml(step: Step, user: string, lastName: string): string {
  const type = { assign: 'UserIntegratedIMPAddRequest', modify: 'UserIntegratedIMPModifyRequest', unassign: 'UserIntegratedIMPDeleteRequest' }[step];
  const fields =
    step === 'unassign'
      ? ''
      : step === 'modify'
        ? `<lastName>${lastName}</lastName>`
        : `<serviceProviderId>crashsp</serviceProviderId><groupId>g1</groupId><isEnterprise>true</isEnterprise><firstName>C</firstName><lastName>${lastName}</lastName><emailAddress>${user.replace('@', '.')}@mail.example</emailAddress>`;
  return `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">crash,1,1</sessionId><command xsi:type="${type}" xmlns=""><userId>${user}</userId>${fields}</command></BroadsoftDocument>`;
}

describe('crash safety of the compiled product over its real mTLS endpoint', () => {
  let s: SimUnderTest;
  let temp: ReturnType<typeof makeTempDir>;
  const children: ChildProcess[] = [];
  // The product runs from dist/ (built by the jest globalSetup, again here if a source changed since): a missing or stale build fails the test.
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await s?.close();
    temp?.cleanup();
  });

  test('2,000 flow-through requests, kill -9 at a random point, restart: each acknowledged request applied exactly once', async () => {
    s = await startSim({ provisioningDelayMs: 15, requestLogLimit: 200_000 });
    temp = makeTempDir('impb-crash-product-');
    const configFile = path.join(temp.dir, 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: path.join(temp.dir, 'data'),
        logLevel: 'info',
        provisioning: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        webex: { baseUrl: s.sim.baseUrl, token: s.sim.token },
        pipeline: { concurrency: 16, ratePerSecond: 400, pollInitialMs: 10, pollMaxMs: 100, retryBaseMs: 10, retryMaxMs: 500, idlePollMs: 20 },
        templates: [{ name: 'bw', provisioningId: 'PROV-1', package: 'standard', account: { username: 'as-crash', password: 'crash-pass-123' } }],
      }),
    );
    const perUser = crashPlan(
      (i) => `p${i}@voip.example.net`,
      (user, step, key) => ({ key, body: xml(step, user, LAST_NAME[step]) }),
    );
    const acked = new Set<string>();
    const auth = `Basic ${Buffer.from('as-crash:crash-pass-123').toString('base64')}`;
    const killAfter = randomKillPoint();

    const send = async (run: ProductProcess, stopOnError: boolean) => {
      const paths = certPaths(path.join(temp.dir, 'data'));
      const agent = new Agent({
        connections: 40,
        connect: {
          ca: fs.readFileSync(paths.serverCert),
          cert: fs.readFileSync(paths.devClientCert),
          key: fs.readFileSync(paths.devClientKey),
          servername: 'localhost',
        },
      });
      const sendOne = async (r: { body: string }) => {
        const res = await request(`https://localhost:${run.port}/provisioning/v1/bw`, {
          method: 'POST',
          body: r.body,
          dispatcher: agent,
          headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: auth },
          headersTimeout: 20_000,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes('SuccessResponse')) throw new Error(`refused ${res.statusCode}: ${text.slice(0, 300)}`);
      };
      try {
        await sendUnacknowledged(perUser, acked, sendOne, stopOnError);
      } finally {
        await agent.destroy().catch(() => undefined);
      }
    };

    const first = await startProduct(configFile);
    children.push(first.child);
    await sendThroughKill(first.child, acked, killAfter, () => send(first, true));

    // The kill really happened mid-stream: some requests were still unacknowledged.
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeLessThan(2000);
    const second = await startProduct(configFile);
    children.push(second.child);
    await send(second, false);
    expect(acked.size).toBe(2000);

    // Wait (bounded) until the restarted product has no unfinished job, reading its store.
    const db = new Database(path.join(temp.dir, 'data', STORE_FILE_NAME), { readonly: true });
    const unfinished = db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued','running','retry_wait','polling')");
    for (let i = 0; i < 900 && (unfinished.get() as { n: number }).n > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((unfinished.get() as { n: number }).n).toBe(0);
    const rows = jobsPerEvent(db);
    db.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    expect(rows.length).toBe(2000);
    expect(rows.filter((r) => r.jobs !== 1 || !['done', 'coalesced'].includes(r.states))).toEqual([]);
    const posts = createsPerUser(s);
    expect([...posts.values()].filter((n) => n > 1)).toEqual([]);
    const live = liveSubscribers(s);
    let i = 0;
    for (const [user] of perUser) {
      if (i >= 300 && i < 600) expect(live.get(user)).toBeUndefined();
      else expect(live.get(user)).toMatchObject({ status: 'provisioned', lastName: i < 300 ? 'Second' : 'First' });
      i++;
    }
    expect(live.size).toBe(PLAN_USERS - 300);
  }, 150_000);
});
