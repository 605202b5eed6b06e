import type { Pool } from 'undici';
import { deliveryVerdict, relayLane } from '../../../src/domain';
import { adminApi, waitFor } from '../../admin/admin-api-helpers';
import { ACME_PASSWORD, basic } from '../flowthrough-client';
import { startFront, startPki, type Front } from './relay-kit';
import { queuedDocument, startOutageUpstream, type OutageUpstream } from './queue-kit';

const UPSTREAM_USER = 'relay-upstream-user';
const UPSTREAM_PASSWORD = 'Upstream-Secret-9f3a';
const IMP_PASSWORD = 'ImpPassw0rd-never-seen';
const AS_AUTH = basic('acme-as', ACME_PASSWORD);

let pki: Awaited<ReturnType<typeof startPki>>;
beforeAll(async () => {
  pki = await startPki();
});

interface Rig {
  upstream: OutageUpstream;
  front: Front;
  client: Pool;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const upstream = await startOutageUpstream(pki.upstreamServer);
  const front = await startFront(
    { url: upstream.url, ca: pki.upstreamCa.certPem, auth: 'basic', username: UPSTREAM_USER, password: UPSTREAM_PASSWORD, onFailure: 'queue' },
    {},
    { pipeline: { retryBaseMs: 50, retryMaxMs: 400, idlePollMs: 50 } },
  );
  return {
    upstream,
    front,
    client: front.client(4),
    async close() {
      await front.close();
      await upstream.close();
    },
  };
}

async function post(client: Pool, body: string, headers: Record<string, string> = { authorization: AS_AUTH }, method: 'POST' | 'PUT' = 'POST') {
  const res = await client.request({ path: '/provisioning/v1/acme', method, body, headers: { 'content-type': 'text/xml; charset=UTF-8', ...headers } });
  return { status: res.statusCode, text: await res.body.text() };
}

const jobs = (f: Front) => f.t.bridge.parts.store.jobs.list({ template: 'acme', limit: 1000 });

describe('relay onFailure: queue (store and forward)', () => {
  let r: Rig;
  beforeEach(async () => (r = await rig()));
  afterEach(async () => r.close());

  it('answers success once stored while the upstream is down, shows the job waiting, and delivers the same bytes when it returns', async () => {
    await r.upstream.down();
    const doc = queuedDocument('alice@voip.example.net', 'k1', `<impPassword>${IMP_PASSWORD}</impPassword>`);
    const answer = await post(r.client, doc);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('<sessionId xmlns="">as1.example.net,1,k1</sessionId>');
    expect(answer.text).toContain('xsi:type="c:SuccessResponse"');
    // The snapshot in which the job sits between attempts: read again afterwards, it may already be running the next one.
    let waiting: Awaited<ReturnType<typeof jobs>>[number] | undefined;
    await waitFor(async () => {
      waiting = (await jobs(r.front)).find((j) => j.attempts >= 2 && j.state !== 'running');
      return waiting !== undefined;
    });
    expect(waiting).toMatchObject({ kind: 'relay_delivery', userId: 'alice@voip.example.net', template: 'acme', state: 'retry_wait' });
    expect(waiting!.lastError).toMatchObject({ code: 'IMPB_ERR_UPSTREAM_UNREACHABLE' });
    await r.upstream.up();
    await waitFor(async () => (await jobs(r.front))[0]?.state === 'done');
    const [done] = await jobs(r.front);
    expect(done!.payload.lastAttempt).toMatchObject({ status: 200 });
    expect(r.upstream.received).toHaveLength(1);
    const delivered = r.upstream.received[0]!;
    expect(delivered.body.toString('utf8')).toBe(doc);
    expect(delivered.url).toBe('/prov/v1');
    expect(delivered.headers.authorization).toBe(basic(UPSTREAM_USER, UPSTREAM_PASSWORD));
    expect(delivered.headers['content-type']).toBe('text/xml; charset=UTF-8');
    console.log('queue: attempts before the upstream came back', done!.attempts);
  });

  it('ends a request the upstream refuses with 4xx failed, its status and answer kept; 503 with Retry-After waits at least that long', async () => {
    r.upstream.answer((d) => (d.requestKey === 'bad' ? { status: 400, body: '<error>unknown user</error>' } : { status: 200 }));
    expect((await post(r.client, queuedDocument('bob@voip.example.net', 'bad'))).status).toBe(200);
    await waitFor(async () => (await jobs(r.front))[0]?.state === 'failed');
    const [failed] = await jobs(r.front);
    expect(failed!.lastError).toMatchObject({ code: 'IMPB_ERR_UPSTREAM_REFUSED', httpStatus: 400, description: '<error>unknown user</error>' });
    expect(failed!.attempts).toBe(1);

    let busy = 0;
    r.upstream.answer(() => (busy++ === 0 ? { status: 503, headers: { 'Retry-After': '2' } } : { status: 200 }));
    const sentAt = Date.now();
    await post(r.client, queuedDocument('carol@voip.example.net', 'busy'));
    await waitFor(async () => (await jobs(r.front)).find((j) => j.userId === 'carol@voip.example.net')?.state === 'done', 15_000);
    const carol = (await jobs(r.front)).find((j) => j.userId === 'carol@voip.example.net')!;
    expect(carol.attempts).toBe(2);
    const waited = r.upstream.received.find((d) => d.requestKey === 'busy')!.at - sentAt;
    console.log('queue: 503 Retry-After 2 → delivered after (ms)', waited);
    expect(waited).toBeGreaterThanOrEqual(1_900);
  }, 30_000);

  it('checks the AS credentials against the template account, and relays a status query live', async () => {
    expect((await post(r.client, queuedDocument('dave@voip.example.net', 'x'), { authorization: basic('acme-as', 'wrong-password') })).status).toBe(401);
    expect((await post(r.client, queuedDocument('dave@voip.example.net', 'x'), {})).status).toBe(401);
    const get = `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sessionId xmlns="">s</sessionId><command xsi:type="UserIntegratedIMPGetRequest" xmlns=""><userId>dave@voip.example.net</userId></command></BroadsoftDocument>`;
    r.upstream.answer(() => ({ status: 200, body: '<upstream-status/>' }));
    const live = await post(r.client, get);
    expect(live).toEqual({ status: 200, text: '<upstream-status/>' });
    expect(await jobs(r.front)).toHaveLength(0);
  });

  it('keeps no upstream credential nor IM&P password in logs, stored requests, job views, metrics or support output', async () => {
    await r.upstream.down();
    await post(r.client, queuedDocument('erin@voip.example.net', 'secret', `<impPassword>${IMP_PASSWORD}</impPassword>`));
    await waitFor(async () => (await jobs(r.front)).some((j) => j.attempts >= 1));
    await r.upstream.up();
    await waitFor(async () => (await jobs(r.front))[0]?.state === 'done');
    const api = adminApi(r.front.t.adminUrl, r.front.t.dataDir);
    const views = [
      JSON.stringify((await api.call('GET', '/api/v1/jobs?limit=100')).body),
      JSON.stringify((await api.call('GET', '/api/v1/unknown-requests?kind=recorded&withBody=true')).body),
      JSON.stringify(await r.front.t.bridge.parts.store.unknownRequests.list({ kind: 'recorded' })),
      JSON.stringify(await jobs(r.front)),
      await r.front.t.bridge.parts.metrics.metrics(),
      r.front.t.logText(),
    ];
    const support = await api.call('GET', '/api/v1/support/erin%40voip.example.net');
    views.push(JSON.stringify(support.body ?? ''));
    const basicToken = Buffer.from(`${UPSTREAM_USER}:${UPSTREAM_PASSWORD}`).toString('base64');
    for (const secret of [UPSTREAM_PASSWORD, basicToken, IMP_PASSWORD, ACME_PASSWORD]) for (const view of views) expect(view).not.toContain(secret);
    expect(views[2]).toContain('queued for delivery upstream');
  });
});

describe('the queue rules', () => {
  it('retries no answer, 5xx and 429 (Retry-After in seconds or as an HTTP date), delivers 2xx, ends on any other status', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(deliveryVerdict({ answered: false, status: 502 }, now)).toEqual({ type: 'retry' });
    expect(deliveryVerdict({ answered: true, status: 503 }, now)).toEqual({ type: 'retry' });
    expect(deliveryVerdict({ answered: true, status: 429, retryAfter: '7' }, now)).toEqual({ type: 'retry', retryAfterMs: 7_000 });
    expect(deliveryVerdict({ answered: true, status: 500, retryAfter: 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toEqual({ type: 'retry', retryAfterMs: 30_000 });
    expect(deliveryVerdict({ answered: true, status: 204 }, now)).toEqual({ type: 'delivered' });
    expect(deliveryVerdict({ answered: true, status: 404 }, now)).toEqual({ type: 'refused' });
    expect(deliveryVerdict({ answered: true, status: 301 }, now)).toEqual({ type: 'refused' });
    expect(relayLane(' u@x ', 'r1')).toBe('u@x');
    expect(relayLane(undefined, 'r1')).toBe('request:r1');
  });
});
