import { Agent } from 'undici';
import { adminApi } from '../admin/admin-api-helpers';
import { waitFor } from '../certs/cert-test-kit';
import { describePostgres } from '../helpers/postgres';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, OTHER_PASSWORD, addDocument, basic, postDocument, templateConfig } from '../inbound/flowthrough-client';
import { storeUrl } from '../multi-instance/deployment-kit';

/**
 * Two in-process bridges on one PostgreSQL store (store.kind: postgres, one schema), as two
 * instances behind a load balancer: the auth-failure counters and the config cache's
 * invalidation are shared through the database (src/wire-deployment.ts).
 */
const CACHE_TTL_MS = 60_000;
const FAILURE_LIMIT = 2;

describePostgres('two instances on one PostgreSQL store share auth failures and template edits', (pg) => {
  let a: TestBridge;
  let b: TestBridge;
  // B adopted A's deployment: the AS presents A's development client certificate to both.
  let agentA: Agent;
  let agentB: Agent;

  const start = () =>
    startTestBridge(
      {
        logLevel: 'info',
        store: { kind: 'postgres', postgres: { url: storeUrl(pg), poolSize: 5 } },
        provisioning: { authFailureLimit: FAILURE_LIMIT, authFailureBaseDelayMs: 1 },
        templates: [templateConfig('acme-standard', ACME_PASSWORD), templateConfig('other', OTHER_PASSWORD)],
      },
      // A long cache: a change seen before it expires came through the NOTIFY, not the TTL.
      { configCacheTtlMs: CACHE_TTL_MS, sharedState: { pollMs: 200, heartbeatEveryMs: 500, leaseTtlMs: 3_000 } },
    );

  beforeAll(async () => {
    a = await start();
    b = await start();
    const client = readDevClient(a.dataDir);
    const connect = { ca: client.ca, cert: client.cert, key: client.key };
    agentA = new Agent({ connect });
    agentB = new Agent({ connect });
  }, 60_000);
  afterAll(async () => {
    await agentA?.close();
    await agentB?.close();
    await b?.stop();
    await a?.stop();
  });

  it('wrong guesses on A throttle the same source and template on B; another template on B is untouched', async () => {
    const wrong = { template: 'other', authorization: basic('other-as', 'guess-1234'), dispatcher: agentA };
    const onA: number[] = [];
    // Twice the limit: the hard limit, after which the source is refused (429) on A itself.
    for (let i = 0; i < FAILURE_LIMIT * 2; i++) onA.push((await postDocument(a, addDocument(`sa${i}@x`), wrong)).status);
    expect(onA).toEqual([401, 401, 401, 401]);
    expect(a.logs.filter((l) => l.event === 'inbound.auth.shared_failed')).toEqual([]);
    expect(b.logs.filter((l) => l.event === 'inbound.auth.throttled')).toHaveLength(0);

    // B has seen no failure of its own: the right password from the same source is refused once A's failures arrive.
    const started = Date.now();
    const right = { template: 'other', authorization: basic('other-as', OTHER_PASSWORD), dispatcher: agentB };
    const refused = await waitFor(
      async () => {
        const res = await postDocument(b, addDocument(`sb${Date.now()}@x`), right);
        return res.status === 429 ? res : undefined;
      },
      10_000,
      50,
    );
    console.log(`A's ${FAILURE_LIMIT * 2} failures throttle the same source + template on B after ${Date.now() - started} ms`);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(b.logs.filter((l) => l.event === 'inbound.auth.throttled').at(-1)).toMatchObject({ template: 'other' });

    const neighbour = await postDocument(b, addDocument('sb-neighbour@x'), { dispatcher: agentB });
    expect(neighbour.status).toBe(200);
    expect(neighbour.text).toContain('c:SuccessResponse');
  }, 30_000);

  it('a template disabled through A’s admin API is refused by B’s flow-through at once, long before B’s cache expires', async () => {
    const api = adminApi(a.adminUrl, a.dataDir);
    const post = (user: string) => postDocument(b, addDocument(user), { dispatcher: agentB });
    // B has the template in its cache (read by this request).
    expect((await post('cc0@x')).status).toBe(200);

    expect((await api.call('PATCH', '/api/v1/templates/acme-standard', { enabled: false })).status).toBe(200);
    const disabledAt = Date.now();
    let tries = 0;
    const refused = await waitFor(
      async () => {
        tries++;
        const res = await post(`cc-off-${tries}@x`);
        return res.status === 404 ? res : undefined;
      },
      CACHE_TTL_MS / 2,
      10,
    );
    const offDelay = Date.now() - disabledAt;
    expect(refused.text).toContain('4004');

    expect((await api.call('PATCH', '/api/v1/templates/acme-standard', { enabled: true })).status).toBe(200);
    const enabledAt = Date.now();
    tries = 0;
    await waitFor(async () => (await post(`cc-on-${++tries}@x`)).status === 200 || undefined, CACHE_TTL_MS / 2, 10);
    const onDelay = Date.now() - enabledAt;
    console.log(`template edit through A used by B's flow-through after ${offDelay} ms (disable) and ${onDelay} ms (enable); B's cache TTL ${CACHE_TTL_MS} ms`);
    // Well under the TTL (a minute) on any machine: only the NOTIFY can have emptied B's cache.
    expect(Math.max(offDelay, onDelay)).toBeLessThan(CACHE_TTL_MS / 2);
  }, 90_000);
});
