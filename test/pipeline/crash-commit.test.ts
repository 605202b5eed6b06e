import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { createSqliteStore } from '../../src/store';
import { ensureDistFresh } from '../global-setup';
import { makeTempDir } from '../helpers/temp-dir';
import { makeTemplate } from './harness';
import { startSim, type SimUnderTest } from './sim-harness';

/**
 * The worker is killed between the Webex call and the commit of its outcome; after a restart
 * on the same data dir the job and the subscriber record agree, and Webex holds the user once.
 */
function startChild(options: object): Promise<{ child: ChildProcess; port: number; exited: Promise<NodeJS.Signals | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'crash-child.js')], {
      env: { ...process.env, CRASH_CHILD_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exited });
    });
    child.on('error', reject);
  });
}

function post(port: number, pathName: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, method: 'POST', timeout: 60_000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('crash between the Webex call and the commit (compiled product)', () => {
  let s: SimUnderTest;
  const children: ChildProcess[] = [];
  beforeAll(ensureDistFresh, 180_000);
  beforeAll(async () => {
    s = await startSim({ provisioningDelayMs: 5 });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await s?.close();
  });

  test.each(['die-after-webex', 'fail-then-die'])(
    '%s: after restart the job and the subscriber record agree',
    async (fault) => {
      const temp = makeTempDir('impb-crash-commit-');
      const userId = `crash-${fault}@voip`;
      const options = { dataDir: temp.dir, baseUrl: s.sim.baseUrl, token: s.sim.token, template: makeTemplate() };
      const first = await startChild({ ...options, fault });
      children.push(first.child);
      const event = { kind: 'assign', template: 'bw', userId, enterpriseId: 'ent-1', profile: { firstName: 'C', lastName: 'K', email: 'c@example.net' } };
      await post(first.port, '/event', { event, requestId: fault, rawRequest: '<x/>', dedupeKey: fault });
      expect(await first.exited).toBe('SIGKILL');

      // What the dead process left: the job still running (its unit rolled back), no failed record.
      const peek = createSqliteStore({ dataDir: temp.dir });
      const [left] = await peek.jobs.list({ userId });
      expect(left!.state).toBe('running');
      expect((await peek.subscribers.get(userId))?.status).not.toBe('failed');
      await peek.close();

      const second = await startChild(options);
      children.push(second.child);
      await post(second.port, '/idle', {});
      second.child.kill('SIGTERM');
      await second.exited;

      const store = createSqliteStore({ dataDir: temp.dir });
      const [job] = await store.jobs.list({ userId });
      const record = await store.subscribers.get(userId);
      expect(job).toMatchObject({ state: 'done', lookupFirst: true });
      expect(record).toMatchObject({ status: 'provisioned' });
      expect(job!.trackingId).toBe(record!.lastTrackingId);
      const inWebex = [...s.sim.state.broadworksSubscribers.values()].filter((x) => x.userId === userId);
      expect(inWebex).toHaveLength(1);
      await store.close();
      temp.cleanup();
    },
    120_000,
  );
});
