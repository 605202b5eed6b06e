import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { createSqliteStore } from '../../src/store';
import { ensureDistFresh } from '../global-setup';
import { makeTempDir } from '../helpers/temp-dir';
import { makeTemplate } from './harness';
import {
  createsPerUser,
  crashPlan,
  jobsPerEvent,
  LAST_NAME,
  liveSubscribers,
  randomKillPoint,
  sendThroughKill,
  sendUnacknowledged,
  type Step,
} from './crash-kit';
import { startSim, type SimUnderTest } from './sim-harness';

/**
 * kill -9 at a random moment: a child accepts 2,000 requests (acknowledging each after its
 * commit) while its worker provisions; SIGKILL; restart on the same data dir; the sender
 * re-sends what was not acknowledged (as an AS does). Every acknowledged event must reach its
 * end state exactly once, counted on the simulator.
 */

interface Req {
  user: string;
  kind: Step;
  lastName: string;
  key: string;
}

function startChild(options: object): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'crash-child.js')], {
      env: { ...process.env, CRASH_CHILD_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr!.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

function post(agent: http.Agent, port: number, pathName: string, body: unknown, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, method: 'POST', agent, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(text))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(JSON.stringify(body));
  });
}

describe('crash safety (SIGKILL mid-flight, compiled product)', () => {
  let s: SimUnderTest;
  let temp: ReturnType<typeof makeTempDir>;
  const children: ChildProcess[] = [];
  // The child runs dist/ (built by the jest globalSetup, again here if a source changed since): a missing or stale build fails the test.
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await s?.close();
    temp?.cleanup();
  });

  test('2,000 requests, kill -9 at a random point, restart: every acknowledged event applied exactly once', async () => {
    s = await startSim({ provisioningDelayMs: 15, requestLogLimit: 200_000 });
    temp = makeTempDir('impb-crash-');
    const options = { dataDir: temp.dir, baseUrl: s.sim.baseUrl, token: s.sim.token, template: makeTemplate() };

    // 1,400 users: all assigned, 300 then modified, 300 others then unassigned (2,000 requests).
    const perUser = crashPlan<Req>(
      (i) => `crash${i}@voip`,
      (user, kind, key) => ({ user, kind, lastName: LAST_NAME[kind], key }),
    );
    const acked = new Set<string>();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 48 });
    const killAfter = randomKillPoint();

    const send = (port: number, stopOnError: boolean) =>
      sendUnacknowledged(
        perUser,
        acked,
        async (r) => {
          const event = {
            kind: r.kind,
            template: 'bw',
            userId: r.user,
            enterpriseId: 'ent-crash',
            profile: r.kind === 'unassign' ? {} : { firstName: 'C', lastName: r.lastName, email: `${r.user}.mail` },
          };
          await post(agent, port, '/event', { event, requestId: r.key, rawRequest: '<x/>', dedupeKey: r.key });
        },
        stopOnError,
      );

    const first = await startChild(options);
    children.push(first.child);
    await sendThroughKill(first.child, acked, killAfter, () => send(first.port, true).catch(() => undefined));
    const ackedBeforeKill = acked.size;
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(Math.min(killAfter, 2000) - 1);

    // The kill really happened mid-stream: some requests were still unacknowledged.
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeLessThan(2000);
    const second = await startChild(options);
    children.push(second.child);
    await send(second.port, false);
    expect(acked.size).toBe(2000);
    await post(agent, second.port, '/idle', {}, 100_000);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    agent.destroy();

    // Counted on the simulator: one create per user at most, never a duplicate (a second POST of
    // a user id would also show up as error 10022), and each user in its end state.
    const posts = createsPerUser(s);
    expect([...posts.values()].filter((n) => n > 1)).toEqual([]);
    const live = liveSubscribers(s);
    let i = 0;
    for (const [user] of perUser) {
      const sub = live.get(user);
      if (i >= 300 && i < 600) expect(sub).toBeUndefined();
      else {
        expect(sub).toMatchObject({ status: 'provisioned', lastName: i < 300 ? 'Second' : 'First' });
        expect(posts.get(user)).toBe(1);
      }
      i++;
    }
    expect(live.size).toBe(1100);

    // In the store: every event has exactly one job, finished (done, or coalesced with its pair).
    const store = createSqliteStore({ dataDir: temp.dir });
    const rows = jobsPerEvent(store.db);
    await store.close();
    expect(rows.length).toBe(2000);
    expect(rows.filter((r) => r.jobs !== 1 || !['done', 'coalesced'].includes(r.states))).toEqual([]);
  }, 150_000);
});
