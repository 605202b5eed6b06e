import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Agent } from 'undici';
import { certPaths } from '../../src/certs';
import { ensureDistFresh } from '../global-setup';
import { describePostgres, TEST_DATABASE_URL } from '../helpers/postgres';
import { startSimulatorProcess, type SimulatorProcess } from '../helpers/simulator-process';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { makeTempDir } from '../helpers/temp-dir';
import { flowThroughXml, sendOnce, startInstance, stopInstance, killInstance, writeInstanceConfig, type Instance } from './deployment-kit';

/**
 * deploy/haproxy.cfg as shipped, in front of two instances on one PostgreSQL: only the bind port
 * and the server addresses are the test's. The AS's mutual TLS passes through to imp-bridge; an
 * instance that dies is taken out by the /readyz check; with PostgreSQL cut, every instance is
 * not-ready and the last-resort lines still bring the AS a 5001 instead of a refused connection.
 */
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((file) => fs.existsSync(file));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The shipped configuration with this test's listener and instances. */
function haproxyConfig(port: number, instances: Instance[]): string {
  const shipped = fs.readFileSync(path.resolve(__dirname, '../../deploy/haproxy.cfg'), 'utf8');
  const checked = instances.map((i) => `    server bridge-${i.name} 127.0.0.1:${i.process.port} check port ${i.process.adminPort}`);
  const lastResort = instances.map((i) => `    server bridge-${i.name}-last-resort 127.0.0.1:${i.process.port} backup`);
  const lines = shipped.split('\n').filter((l) => !/^\s*server /.test(l) && !/^\s*log /.test(l));
  return lines
    .map((l) => (/^\s*bind :/.test(l) ? `    bind 127.0.0.1:${port}` : l))
    .join('\n')
    .replace(/(default-server [^\n]*\n)/, `$1${[...checked, ...lastResort].join('\n')}\n`);
}

const REQUIRED = process.env.IMP_BRIDGE_REQUIRE_HAPROXY === '1';
if (!HAPROXY && !REQUIRED) console.warn('SKIPPED: haproxy is not installed, so deploy/haproxy.cfg is not run (apt-get install -y haproxy)');

describePostgres('deploy/haproxy.cfg in front of two instances', (pg) => {
  let sim: SimulatorProcess;
  let temp: ReturnType<typeof makeTempDir>;
  let proxy: TcpProxy;
  let haproxy: ChildProcess | undefined;
  const instances: Instance[] = [];
  beforeAll(ensureDistFresh, 180_000);
  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    for (const i of instances) if (i.alive) await stopInstance(i).catch(() => undefined);
    await sim?.close();
    await proxy?.close();
    temp?.cleanup();
  });

  (HAPROXY || REQUIRED ? test : test.skip)(
    'passes mTLS through, routes around a dead instance, and answers 5001 (not a refused connection) while PostgreSQL is down',
    async () => {
      if (!HAPROXY) throw new Error('IMP_BRIDGE_REQUIRE_HAPROXY=1 but haproxy is not installed');
      temp = makeTempDir('impb-haproxy-');
      sim = await startSimulatorProcess({ token: 'haproxy-sim-token-0123456789', provisioningDelayMs: 20 });
      const target = new URL(TEST_DATABASE_URL);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      const url = new URL(TEST_DATABASE_URL);
      url.host = `127.0.0.1:${proxy.port}`;
      url.searchParams.set('options', pg.options);
      const settings = { pg, root: temp.dir, webex: { baseUrl: sim.baseUrl, token: sim.token }, storeUrl: url.toString() };
      instances.push(await startInstance(writeInstanceConfig(settings, 'a'), 'a'));
      instances.push(await startInstance(writeInstanceConfig(settings, 'b'), 'b', instances[0]));

      const port = await freePort();
      const cfgFile = path.join(temp.dir, 'haproxy.cfg');
      fs.writeFileSync(cfgFile, haproxyConfig(port, instances));
      haproxy = spawn(HAPROXY, ['-db', '-f', cfgFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      let haproxyErr = '';
      haproxy.stderr!.on('data', (d: Buffer) => (haproxyErr += String(d)));
      // The AS: one client certificate, talking to the balancer's address only.
      const client = certPaths(instances[0]!.dataDir);
      const as: Instance = {
        name: 'haproxy',
        dataDir: '',
        alive: true,
        process: { ...instances[0]!.process, port },
        agent: new Agent({
          pipelining: 0,
          connect: {
            ca: fs.readFileSync(client.serverCert),
            cert: fs.readFileSync(client.devClientCert),
            key: fs.readFileSync(client.devClientKey),
            servername: 'localhost',
          },
        }),
      };
      const until = async (what: () => Promise<boolean>, ms: number) => {
        for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await what()) return true;
        return false;
      };
      let n = 0;
      const send = () => sendOnce(as, 'bw', flowThroughXml('add', `h${n++}@voip.example.net`, 'L0', 'haproxy'));
      try {
        expect(await until(async () => (await send()) === 'ack', 20_000)).toBe(true);
        const first = await Promise.all(Array.from({ length: 20 }, send));
        expect(first.filter((a) => a !== 'ack')).toEqual([]);

        // One instance dies: once its check fails, every request goes to the other.
        await killInstance(instances[0]!);
        expect(await until(async () => (await Promise.all(Array.from({ length: 10 }, send))).every((a) => a === 'ack'), 20_000)).toBe(true);

        // PostgreSQL gone: the remaining instance is not ready, the last-resort line still reaches it, and it answers 5001.
        await proxy.cut();
        const during = await (async () => {
          let answer = '';
          await until(async () => (answer = await send()) === '5001', 20_000);
          return answer;
        })();
        expect(during).toBe('5001');
        await proxy.restore();
        expect(await until(async () => (await send()) === 'ack', 30_000)).toBe(true);
      } catch (err) {
        fs.writeFileSync('/tmp/haproxy-bridge-b.log', instances[1]!.process.tail());
        throw new Error(`${(err as Error).message}\nhaproxy: ${haproxyErr.slice(-2000)}`);
      } finally {
        await as.agent.close().catch(() => undefined);
      }
    },
    180_000,
  );
});
