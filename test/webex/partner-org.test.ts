import { createSqliteStore, type SqliteStore } from '../../src/store';
import { startWebexSimulator, SIMULATOR_PARTNER_ORG_UUID } from '../../src/webex/simulator';
import { createPartnerOrgSource, PARTNER_ORG_SETTINGS_KEY } from '../../src/webex/partner-org';
import { captureLogger } from '../helpers/capture-logger';
import { makeTempDir } from '../helpers/temp-dir';
import { SIM_TOKEN, startSimAndClient, type SimAndClient } from './sim-fixtures';

const OTHER_PARTNER_UUID = '0f6c1d2e-3a4b-4c5d-8e9f-a0b1c2d3e4f5';
const decode = (webexId: string) => Buffer.from(webexId, 'base64').toString('utf8');

describe('partner org: GET /people/me', () => {
  let env: SimAndClient | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('the client reads the identity behind the token; the simulator answers its fixed partner org', async () => {
    env = await startSimAndClient();
    const me = await env.client.people.me();
    expect(me.httpStatus).toBe(200);
    expect(me.trackingId).toMatch(/^IMPB_/);
    expect(decode(me.data.orgId)).toBe(`ciscospark://us/ORGANIZATION/${SIMULATOR_PARTNER_ORG_UUID}`);
    expect(decode(me.data.id)).toMatch(/^ciscospark:\/\/us\/PEOPLE\/[0-9a-f-]{36}$/);
    expect(me.data.emails).toEqual([expect.stringContaining('@')]);
    expect(env.calls.at(-1)).toMatchObject({ operation: 'people.me', method: 'GET', path: '/people/me', httpStatus: 200 });
    // The same identity every time.
    expect((await env.client.people.me()).data.id).toBe(me.data.id);
  });

  it('the simulator partner org is configurable, and refused when it is not a UUID', async () => {
    env = await startSimAndClient({ partnerOrgUuid: OTHER_PARTNER_UUID.toUpperCase() });
    expect(decode((await env.client.people.me()).data.orgId)).toBe(`ciscospark://us/ORGANIZATION/${OTHER_PARTNER_UUID}`);
    await expect(startWebexSimulator({ token: SIM_TOKEN, partnerOrgUuid: 'acme' })).rejects.toThrow(/partnerOrgUuid must be a UUID/);
  });

  it('needs a valid bearer token like every Webex route', async () => {
    env = await startSimAndClient();
    const res = await fetch(`${env.sim.baseUrl}/people/me`);
    expect(res.status).toBe(401);
  });
});

describe('partner org source (cache, persistence, tolerated failure)', () => {
  let env: SimAndClient;
  let store: SqliteStore;
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(async () => {
    env = await startSimAndClient();
    temp = makeTempDir();
    store = createSqliteStore({ dataDir: temp.dir });
  });
  afterEach(async () => {
    await env.close();
    if (store.isOpen()) await store.close();
    temp.cleanup();
  });

  const meCalls = () => env.sim.requestLog.filter((r) => r.path === '/v1/people/me').length;

  it('asks Webex once for concurrent and later callers, and persists the answer', async () => {
    const { logger } = captureLogger();
    const source = createPartnerOrgSource({ client: env.client, settings: store.settings, storeOpen: () => store.isOpen(), logger });
    const answers = await Promise.all(Array.from({ length: 5 }, () => source.get()));
    expect(new Set(answers).size).toBe(1);
    expect(decode(answers[0]!)).toBe(`ciscospark://us/ORGANIZATION/${SIMULATOR_PARTNER_ORG_UUID}`);
    expect(await source.get()).toBe(answers[0]);
    expect(meCalls()).toBe(1);
    expect(await store.settings.get(PARTNER_ORG_SETTINGS_KEY)).toBe(answers[0]);
  });

  it('tolerates a failing Webex: undefined, one warning, no new call until the pause is over, then the answer', async () => {
    const { logger, lines } = captureLogger();
    let clock = 1_000_000;
    const source = createPartnerOrgSource({
      client: env.client,
      settings: store.settings,
      storeOpen: () => store.isOpen(),
      logger,
      now: () => clock,
      retryAfterFailureMs: 60_000,
    });
    env.sim.setFaults({ failNext: { status: 503, count: 2, path: '/people/me' } });

    expect(await source.get()).toBeUndefined();
    expect(await source.get()).toBeUndefined(); // within the pause: no call
    expect(meCalls()).toBe(1);
    clock += 60_000;
    expect(await source.get()).toBeUndefined(); // second injected 503
    expect(meCalls()).toBe(2);
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; event?: string }).filter((l) => l.event === 'webex.partner_org.unavailable');
    expect(warnings.map((w) => w.level)).toEqual(['warn', 'debug']);
    expect(await store.settings.get(PARTNER_ORG_SETTINGS_KEY)).toBeUndefined();

    clock += 60_000;
    const orgId = await source.get();
    expect(decode(orgId!)).toContain(SIMULATOR_PARTNER_ORG_UUID);
    expect(await store.settings.get(PARTNER_ORG_SETTINGS_KEY)).toBe(orgId);
  });

  it('writes nothing once the store is closed', async () => {
    const { logger } = captureLogger();
    await store.close();
    const source = createPartnerOrgSource({ client: env.client, settings: store.settings, storeOpen: () => store.isOpen(), logger });
    expect(decode((await source.get())!)).toContain(SIMULATOR_PARTNER_ORG_UUID);
  });
});
