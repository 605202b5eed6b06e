import fs from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { certPaths } from '../../src/certs';
import { TEST_DATABASE_URL, type PgTestContext } from '../helpers/postgres';
import { WHOLESALE_ONBOARDING as PIPELINE_WHOLESALE_ONBOARDING } from '../pipeline/harness';
import { startProduct, type ProductProcess } from '../helpers/product-process';

/**
 * Several instances of the compiled product on one PostgreSQL schema, as an operator runs them
 * behind a TCP load balancer: the sender plays the AS and the balancer (it moves on to another
 * live instance when one does not answer).
 */
export const ADMIN_TOKEN = 'deployment-admin-token-0123456789';
export const AS_USER = 'as-chaos';
export const AS_PASSWORD = 'chaos-pass-123';

// The pipeline tests' onboarding, with a package that needs no phone number (the flow-through add carries none).
export const WHOLESALE_ONBOARDING = { ...PIPELINE_WHOLESALE_ONBOARDING, packages: ['webex_meetings'] };

export interface InstanceSettings {
  pg: PgTestContext;
  root: string;
  webex: { baseUrl: string; token: string };
  pipeline?: Record<string, unknown>;
  /** Another way to the suite's database (e.g. through a relay the test can cut). */
  storeUrl?: string;
}

/** The store URL of the suite's schema (libpq options carry the search_path). */
export function storeUrl(pg: PgTestContext): string {
  return `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(pg.options)}`;
}

export function writeInstanceConfig(settings: InstanceSettings, name: string): string {
  const dir = path.join(settings.root, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      dataDir: path.join(dir, 'data'),
      logLevel: 'info',
      provisioning: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      store: { kind: 'postgres', postgres: { url: settings.storeUrl ?? storeUrl(settings.pg), poolSize: 8 } },
      webex: settings.webex,
      pipeline: {
        concurrency: 16,
        ratePerSecond: 100,
        pollInitialMs: 20,
        pollMaxMs: 200,
        retryBaseMs: 20,
        retryMaxMs: 1000,
        idlePollMs: 50,
        leaseMs: 3000,
        ...settings.pipeline,
      },
      templates: [
        { name: 'bw', provisioningId: 'PROV-1', package: 'standard', account: { username: AS_USER, password: AS_PASSWORD } },
        {
          name: 'ws',
          targetApi: 'wholesale',
          provisioningId: 'PROV-2',
          package: 'webex_meetings',
          wholesale: WHOLESALE_ONBOARDING,
          account: { username: AS_USER, password: AS_PASSWORD },
        },
      ],
    }),
  );
  return file;
}

export interface Instance {
  name: string;
  dataDir: string;
  process: ProductProcess;
  agent: Agent;
  alive: boolean;
}

/**
 * `asClientOf`: the instance whose development client certificate the AS presents (the first
 * instance of a deployment makes it; the others adopt the deployment's trust, not a PKI of their own).
 */
export async function startInstance(configFile: string, name: string, asClientOf?: Instance): Promise<Instance> {
  const process = await startProduct(configFile);
  const paths = certPaths(path.join(path.dirname(configFile), 'data'));
  const client = asClientOf ? certPaths(asClientOf.dataDir) : paths;
  const agent = new Agent({
    connections: 16,
    connect: {
      ca: fs.readFileSync(paths.serverCert),
      cert: fs.readFileSync(client.devClientCert),
      key: fs.readFileSync(client.devClientKey),
      servername: 'localhost',
    },
  });
  return { name, process, agent, alive: true, dataDir: path.join(path.dirname(configFile), 'data') };
}

export async function killInstance(instance: Instance): Promise<void> {
  instance.alive = false;
  await instance.process.kill('SIGKILL');
  await instance.agent.destroy().catch(() => undefined);
}

export async function stopInstance(instance: Instance): Promise<void> {
  instance.alive = false;
  await instance.process.kill('SIGTERM');
  await instance.agent.close().catch(() => undefined);
}

/** GET on an instance's admin API. */
export async function adminGet<T>(instance: Instance, apiPath: string): Promise<T> {
  const res = await request(`http://127.0.0.1:${instance.process.adminPort}/api/v1${apiPath}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.statusCode !== 200) throw new Error(`GET ${apiPath}: ${res.statusCode} ${await res.body.text()}`);
  return (await res.body.json()) as T;
}

export type Command = 'add' | 'modify' | 'delete';

export function flowThroughXml(kind: Command, user: string, lastName: string, enterprise: string): string {
  const type = { add: 'UserIntegratedIMPAddRequest', modify: 'UserIntegratedIMPModifyRequest', delete: 'UserIntegratedIMPDeleteRequest' }[kind];
  const fields =
    kind === 'delete'
      ? ''
      : kind === 'modify'
        ? `<lastName>${lastName}</lastName>`
        : `<serviceProviderId>${enterprise}</serviceProviderId><groupId>g1</groupId><isEnterprise>true</isEnterprise><firstName>C</firstName><lastName>${lastName}</lastName><emailAddress>${user.replace('@', '.')}@mail.example</emailAddress>`;
  return `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">chaos,1,1</sessionId><command xsi:type="${type}" xmlns=""><userId>${user}</userId>${fields}</command></BroadsoftDocument>`;
}

const AUTH = `Basic ${Buffer.from(`${AS_USER}:${AS_PASSWORD}`).toString('base64')}`;

/** One flow-through request: 'ack' (SuccessResponse), '5001' (the AS retries later), or what else came back. */
export async function sendOnce(instance: Instance, template: string, body: string): Promise<string> {
  try {
    const res = await request(`https://localhost:${instance.process.port}/provisioning/v1/${template}`, {
      method: 'POST',
      body,
      dispatcher: instance.agent,
      headers: { 'content-type': 'text/xml; charset=UTF-8', authorization: AUTH },
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
    });
    const text = await res.body.text();
    if (res.statusCode === 200 && text.includes('SuccessResponse')) return 'ack';
    if (text.includes('<errorCode>5001</errorCode>')) return '5001';
    return `${res.statusCode}: ${text.slice(0, 300)}`;
  } catch (err) {
    return `no answer: ${(err as Error).message}`;
  }
}

/**
 * Sends one request as the AS does, through the "balancer": the next live instance in turn;
 * a refused connection, a reset or a 5001 goes to another one after a short pause. Resolves
 * once an instance acknowledged it (SuccessResponse).
 */
export async function sendUntilAcknowledged(instances: Instance[], template: string, body: string, turn: { next: number }, deadline: number): Promise<string> {
  let lastError = '';
  while (Date.now() < deadline) {
    const live = instances.filter((i) => i.alive);
    if (live.length === 0) throw new Error('no live instance');
    const instance = live[turn.next++ % live.length]!;
    const answer = await sendOnce(instance, template, body);
    if (answer === 'ack') return instance.name;
    lastError = answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not acknowledged before the deadline: ${lastError}`);
}

/** The most API calls the simulator answered in any one-second window (sliding, by arrival time). */
export function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
