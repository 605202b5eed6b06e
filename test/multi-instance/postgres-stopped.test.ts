import { request } from 'undici';
import { ensureDistFresh } from '../global-setup';
import { describePostgres, TEST_DATABASE_URL, type PgTestContext } from '../helpers/postgres';
import { startSimulatorProcess, type SimulatorProcess } from '../helpers/simulator-process';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { makeTempDir } from '../helpers/temp-dir';
import { flowThroughXml, sendOnce, startInstance, stopInstance, writeInstanceConfig, type Instance } from './deployment-kit';

/**
 * Issue 14: PostgreSQL stopped for 20 s in the middle of traffic, with the compiled product. It
 * reaches the database through a loopback proxy the test owns: cutting it closes every connection
 * and refuses new ones on its port, as a stopped server does; it listens again after 20 s.
 */
const OUTAGE_MS = 20_000;
const USERS = 300;

function urlThrough(pg: PgTestContext, port: number): string {
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.searchParams.set('options', pg.options);
  return url.toString();
}

describePostgres('PostgreSQL stopped for 20 s in the middle of traffic', (pg) => {
  let sim: SimulatorProcess;
  let temp: ReturnType<typeof makeTempDir>;
  let instance: Instance | undefined;
  let proxy: TcpProxy | undefined;
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    if (instance?.alive) await stopInstance(instance).catch(() => undefined);
    await sim?.close();
    await proxy?.close();
    temp?.cleanup();
  });

  test('the AS hears 5001 while it is down, /readyz turns not-ready, nothing acknowledged is lost, all completes after', async () => {
    temp = makeTempDir('impb-pg-outage-');
    sim = await startSimulatorProcess({
      token: 'outage-sim-token-0123456789',
      provisioningDelayMs: 20,
      requestLogLimit: 200_000,
    });
    const target = new URL(TEST_DATABASE_URL);
    proxy = await startTcpProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    const file = writeInstanceConfig(
      {
        pg,
        root: temp.dir,
        webex: { baseUrl: sim.baseUrl, token: sim.token },
        storeUrl: urlThrough(pg, proxy!.port),
      },
      'a',
    );
    instance = await startInstance(file, 'a');
    const readyz = async () => (await request(`http://127.0.0.1:${instance!.process.adminPort}/readyz`)).statusCode;
    expect(await readyz()).toBe(200);

    const answers = {
      acknowledged: new Set<string>(),
      refused5001: 0,
      other: new Map<string, number>(),
    };
    const readiness: Array<{ at: number; status: number }> = [];
    const started = Date.now();
    const outage = { from: 0, to: 0 };
    const watch = setInterval(
      () =>
        void readyz().then(
          (status) => readiness.push({ at: Date.now(), status }),
          () => undefined,
        ),
      250,
    );
    const outageDone = (async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      outage.from = Date.now();
      await proxy!.cut();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await proxy!.restore();
      outage.to = Date.now();
    })();

    // Each user's assign is sent until acknowledged, one request a second per lane while refused (the AS retries).
    let cursor = 0;
    const lane = async () => {
      while (cursor < USERS) {
        const user = `o${cursor++}@voip.example.net`;
        for (;;) {
          const answer = await sendOnce(instance!, 'bw', flowThroughXml('add', user, 'L0', 'outage'));
          if (answer === 'ack') {
            answers.acknowledged.add(user);
            break;
          }
          if (answer === '5001') answers.refused5001++;
          else answers.other.set(answer, (answers.other.get(answer) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 1_000));
        }
        // Spread the users over the outage: about 300 users in 30 s.
        await new Promise((r) => setTimeout(r, 400));
      }
    };
    await Promise.all([outageDone, ...Array.from({ length: 4 }, lane)]);
    clearInterval(watch);

    const duringOutage = readiness.filter((r) => r.at > outage.from + 3_000 && r.at < outage.to);
    const afterwards = readiness.filter((r) => r.at > outage.to + 5_000);
    process.stdout.write(
      `outage: ${OUTAGE_MS} ms; ${answers.acknowledged.size} acknowledged, ${answers.refused5001} answered 5001, others ${JSON.stringify([...answers.other])}; ` +
        `readyz during: ${[...new Set(duringOutage.map((r) => r.status))].join(',')}, after: ${[...new Set(afterwards.map((r) => r.status))].join(',')}; total ${Date.now() - started} ms\n`,
    );
    expect(answers.refused5001).toBeGreaterThan(0);
    expect([...answers.other.keys()]).toEqual([]);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.every((r) => r.status === 503)).toBe(true);
    expect(answers.acknowledged.size).toBe(USERS);

    // Everything completes after the database returns, each user once.
    let provisioned = 0;
    for (let i = 0; i < 600 && provisioned < USERS; i++) {
      await new Promise((r) => setTimeout(r, 250));
      provisioned = (await sim.state()).broadworksSubscribers.filter((s) => s.status === 'provisioned').length;
    }
    expect(provisioned).toBe(USERS);
    const posts = new Map<string, number>();
    for (const e of await sim.requestLog()) {
      const userId = (e.body as { userId?: string } | undefined)?.userId;
      if (e.method === 'POST' && userId && e.status < 300) posts.set(userId, (posts.get(userId) ?? 0) + 1);
    }
    expect([...posts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(await readyz()).toBe(200);
  }, 180_000);
});
