import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { certPaths } from '../../../src/certs';
import { STORE_FILE_NAME } from '../../../src/store';
import { ensureDistFresh } from '../../global-setup';
import { makeTempDir } from '../../helpers/temp-dir';
import { startSim, type SimUnderTest } from '../../pipeline/sim-harness';
import { basic } from '../flowthrough-client';
import { startPki } from './relay-kit';
import { queuedDocument, startOutageUpstream, type OutageUpstream } from './queue-kit';

/**
 * The test of store and forward: the compiled product (`node dist/main.js`) in relay
 * `queue` mode in front of an HTTPS upstream with its own CA. 300 requests of 10 users,
 * interleaved, are accepted during a 30 s upstream outage; imp-bridge is SIGKILLed half-way (while
 * its worker is retrying deliveries) and restarted on the same data dir; once the upstream is
 * back every request reaches it exactly once, each user's in the order the AS sent them.
 */
const MAIN = path.resolve(__dirname, '../../../dist/main.js');
const USERS = 10;
const PER_USER = 30;
const OUTAGE_MS = 30_000;
const AS_AUTH = basic('q-as', 'Queue-Provisioning-1');

interface Running {
  child: ChildProcess;
  port: number;
}

function startProduct(configFile: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, IMP_BRIDGE_CONFIG: configFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += String(d);
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.includes('listener.provisioning.up')) resolve({ child, port: (JSON.parse(line) as { port: number }).port });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += String(d)));
    child.on('exit', (code, signal) => reject(new Error(`product exited ${code ?? signal}: ${err.slice(0, 2000)}`)));
  });
}

const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('exit', r)));

describe('relay queue mode of the compiled product: outage, kill -9, restart', () => {
  let sim: SimUnderTest;
  let upstream: OutageUpstream;
  let temp: ReturnType<typeof makeTempDir>;
  const children: ChildProcess[] = [];
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await upstream?.close();
    await sim?.close();
    temp?.cleanup();
  });

  test('300 requests accepted during a 30 s outage, one SIGKILL: each delivered exactly once, in per-user order', async () => {
    const pki = await startPki();
    upstream = await startOutageUpstream(pki.upstreamServer);
    await upstream.down();
    sim = await startSim();
    temp = makeTempDir('impb-relay-queue-');
    const dataDir = path.join(temp.dir, 'data');
    const caFile = path.join(temp.dir, 'upstream-ca.pem');
    fs.writeFileSync(caFile, pki.upstreamCa.certPem);
    const configFile = path.join(temp.dir, 'config.json');
    const queueUpstream = { url: upstream.url, ca: caFile, auth: 'basic', username: 'up-user', password: 'Up-Secret-77', onFailure: 'queue', timeoutMs: 2_000 };
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        dataDir,
        logLevel: 'info',
        provisioning: { host: '127.0.0.1', port: 0 },
        admin: { host: '127.0.0.1', port: 0 },
        webex: { baseUrl: sim.sim.baseUrl, token: sim.sim.token },
        pipeline: { concurrency: 8, retryBaseMs: 200, retryMaxMs: 2_000, idlePollMs: 50 },
        templates: [
          {
            name: 'q',
            provisioningId: 'PROV-Q',
            package: 'standard',
            account: { username: 'q-as', password: 'Queue-Provisioning-1' },
            mode: 'relay',
            upstream: queueUpstream,
          },
        ],
      }),
    );
    // Interleaved: request n belongs to user n % 10 and is that user's (n / 10)-th.
    const lanes = Array.from({ length: USERS }, (_, u) => Array.from({ length: PER_USER }, (_, i) => ({ user: `u${u}@voip.example.net`, key: `u${u}-${i}` })));
    const acked = new Set<string>();
    let pauseAt = Infinity;

    // Each user's requests in order (the AS sends a user's changes one after the other), users in parallel.
    const send = async (run: Running) => {
      const paths = certPaths(dataDir);
      const agent = new Agent({
        connections: USERS,
        connect: {
          ca: fs.readFileSync(paths.serverCert),
          cert: fs.readFileSync(paths.devClientCert),
          key: fs.readFileSync(paths.devClientKey),
          servername: 'localhost',
        },
      });
      const lane = async (requests: Array<{ user: string; key: string }>) => {
        for (const r of requests) {
          if (acked.has(r.key)) continue;
          if (acked.size >= pauseAt) return;
          const res = await request(`https://localhost:${run.port}/provisioning/v1/q`, {
            method: 'POST',
            body: queuedDocument(r.user, r.key),
            dispatcher: agent,
            headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: AS_AUTH },
          });
          const text = await res.body.text();
          if (res.statusCode !== 200 || !text.includes('SuccessResponse')) throw new Error(`refused ${res.statusCode}: ${text.slice(0, 300)}`);
          acked.add(r.key);
        }
      };
      try {
        await Promise.all(lanes.map(lane));
      } finally {
        await agent.destroy().catch(() => undefined);
      }
    };

    const outageStarted = Date.now();
    const first = await startProduct(configFile);
    children.push(first.child);
    pauseAt = (USERS * PER_USER) / 2;
    const t0 = Date.now();
    await send(first);
    const firstHalfMs = Date.now() - t0;
    // Let the worker meet the outage (deliveries failing, retries scheduled), then kill it mid-retry.
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(150);
    expect(acked.size).toBeLessThan(300);
    expect(upstream.received).toHaveLength(0);

    const second = await startProduct(configFile);
    children.push(second.child);
    pauseAt = Infinity;
    await send(second);
    expect(acked.size).toBe(300);
    const acceptedAllMs = Date.now() - outageStarted;
    expect(upstream.received).toHaveLength(0);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    await upstream.up();
    const back = Date.now();
    const deadline = back + 60_000;
    while (upstream.received.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const deliveredMs = Date.now() - back;
    // A duplicate would arrive just after: give it the time of a retry.
    await new Promise((r) => setTimeout(r, 2_500));

    const counts = new Map<string, number>();
    for (const d of upstream.received) counts.set(d.requestKey!, (counts.get(d.requestKey!) ?? 0) + 1);
    expect(counts.size).toBe(300);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    for (const lane of lanes) {
      const order = upstream.received.filter((d) => d.user === lane[0]!.user).map((d) => d.requestKey);
      expect(order).toEqual(lane.map((r) => r.key));
    }
    expect(upstream.received.every((d) => d.headers.authorization === basic('up-user', 'Up-Secret-77'))).toBe(true);

    const db = new Database(path.join(dataDir, STORE_FILE_NAME), { readonly: true });
    const states = db.prepare("SELECT state, COUNT(*) AS n, MAX(attempts) AS most FROM jobs WHERE kind = 'relay_delivery' GROUP BY state").all();
    db.close();
    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(states).toEqual([expect.objectContaining({ state: 'done', n: 300 })]);
    console.log('relay queue under outage and kill -9:', {
      firstHalfAcceptedMs: firstHalfMs,
      allAcceptedAfterMs: acceptedAllMs,
      outageMs: back - outageStarted,
      allDeliveredAfterUpstreamBackMs: deliveredMs,
      mostAttempts: (states[0] as { most: number }).most,
    });
  }, 180_000);
});
