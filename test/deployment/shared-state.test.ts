import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import supertest from 'supertest';
import { readAdminToken } from '../../src/admin/admin-token';
import { certApi, freshRequest, presentedFingerprint, serverTrust, waitFor } from '../certs/cert-test-kit';
import { describePostgres, type PgTestContext } from '../helpers/postgres';
import { readDevClient, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { createTestCa, issueCert } from '../helpers/test-pki';

/**
 * Two full bridges (each its own data dir and SQLite store) sharing deployment state on one
 * PostgreSQL schema, as two instances behind a load balancer: certificates, trust, admin
 * token, console sessions, leader election, the instance list.
 */
function sharedState(pg: PgTestContext) {
  return { pool: pg.createPool(), listenConfig: pg.clientConfig(), channelPrefix: `impb_${pg.schema}`, heartbeatEveryMs: 500, leaseTtlMs: 3_000 };
}

/** A keep-alive HTTPS client with one socket: the test sees whether the second request rides the first one's connection. */
function keptAlive(t: TestBridge, client: { cert: string; key: string; ca: string }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: client.ca, cert: client.cert, key: client.key, rejectUnauthorized: false });
  const sockets = new Set<TLSSocket>();
  const get = () =>
    new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: t.bridge.provisioningAddress.port, path: '/keep-alive', agent, servername: 'localhost' }, (res) => {
        const socket = res.socket as TLSSocket;
        sockets.add(socket);
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint: socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase() }));
      });
      req.on('error', reject);
    });
  return { get, sockets, close: () => agent.destroy() };
}

describePostgres('two instances on one PostgreSQL share the deployment', (pg) => {
  let a: TestBridge;
  let b: TestBridge;
  let client: { cert: string; key: string; ca: string };

  beforeAll(async () => {
    a = await startTestBridge({}, { sharedState: sharedState(pg) });
    b = await startTestBridge({}, { sharedState: sharedState(pg) });
    // Only the first instance made a development PKI; its client is trusted on both.
    client = readDevClient(a.dataDir);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('the second instance adopted the first one’s server certificate, trust and admin token instead of making its own', async () => {
    expect(await presentedFingerprint(b, client)).toBe(await presentedFingerprint(a, client));
    expect((await freshRequest(b, client, [client.ca])).status).toBeDefined();
    expect((await freshRequest(b, client, [client.ca])).error).toBeUndefined();
    expect(readAdminToken(b.bridge.parts.config)).toBe(readAdminToken(a.bridge.parts.config));
    expect(b.logs.some((l) => l.event === 'cert.replication.adopted')).toBe(true);
    expect(b.logs.some((l) => l.event === 'cert.dev_trust.generated')).toBe(false);
  });

  it('a certificate change through A’s admin API is served by a new handshake on B within 5 s; kept-alive connections on both stay up; rollback through B reaches A', async () => {
    const onA = keptAlive(a, client);
    const onB = keptAlive(b, client);
    try {
      const before = await onA.get();
      await onB.get();
      const renewed = await certApi(a).post('/api/v1/certificate/renew-self-signed').send({});
      expect(renewed.status).toBe(200);
      const fresh = (await presentedFingerprint(a, client)) as string;
      expect(fresh).not.toBe(before.fingerprint);
      const started = Date.now();
      await waitFor(async () => (await presentedFingerprint(b, client)) === fresh || undefined, 5_000, 25);
      console.log(`certificate change through A served by a new handshake on B after ${Date.now() - started} ms`);

      // The kept-alive connections answer on the socket they had, still showing the old certificate.
      for (const kept of [onA, onB]) {
        const again = await kept.get();
        expect(again.status).toBeGreaterThan(0);
        expect(again.fingerprint).toBe(before.fingerprint);
        expect(kept.sockets.size).toBe(1);
      }

      const rolledBack = await certApi(b).post('/api/v1/certificate/rollback').send({});
      expect(rolledBack.status).toBe(200);
      const back = Date.now();
      await waitFor(async () => (await presentedFingerprint(a, client)) === before.fingerprint || undefined, 5_000, 25);
      console.log(`rollback through B served by a new handshake on A after ${Date.now() - back} ms`);
    } finally {
      onA.close();
      onB.close();
    }
  }, 30_000);

  it('a trust anchor added through B lets its clients in on A', async () => {
    const ca = await createTestCa('Shared deployment CA');
    const leaf = await issueCert(ca, { commonName: 'as-cluster-2' });
    const serverCa = serverTrust(a);
    expect((await certApi(b).post('/api/v1/trust').send({ pem: ca.certPem })).status).toBe(201);
    const outcome = await waitFor(
      async () => {
        const r = await freshRequest(a, { cert: leaf.certPem, key: leaf.keyPem }, serverCa);
        return r.status !== undefined && r.status !== 403 ? r : undefined;
      },
      5_000,
      50,
    ).catch(() => undefined);
    expect(outcome).toBeDefined();
  }, 20_000);

  it('lists both instances on either one, with exactly one leader', async () => {
    const listed = await certApi(b).get('/api/v1/instances');
    expect(listed.status).toBe(200);
    const instances = listed.body.instances as Array<{ id: string; leader: boolean; self: boolean; version: string; startedAt: string; lastHeartbeat: string }>;
    expect(instances).toHaveLength(2);
    expect(instances.filter((i) => i.leader)).toHaveLength(1);
    expect(instances.filter((i) => i.self)).toHaveLength(1);
    for (const i of instances) expect(i).toMatchObject({ version: expect.any(String), startedAt: expect.any(String), lastHeartbeat: expect.any(String) });
  });

  it('a console session made on A is honoured on B, and a logout on B ends it on A', async () => {
    const token = readAdminToken(a.bridge.parts.config)!;
    const login = await supertest(a.adminUrl).post('/console/session').send({ token });
    expect(login.status).toBe(201);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    expect((await supertest(b.adminUrl).get('/console/session').set('cookie', cookie)).status).toBe(200);
    expect((await supertest(b.adminUrl).get('/api/v1/instances').set('cookie', cookie)).status).toBe(200);
    const out = await supertest(b.adminUrl)
      .delete('/console/session')
      .set('cookie', cookie)
      .set('x-csrf-token', login.body.csrfToken as string);
    expect(out.status).toBe(204);
    expect((await supertest(a.adminUrl).get('/console/session').set('cookie', cookie)).status).toBe(401);
  });

  it('when the leader stops, the other instance takes the scheduled work over', async () => {
    const leaderOf = async () =>
      ((await certApi(b).get('/api/v1/instances')).body.instances as Array<{ id: string; leader: boolean; self: boolean }>).find((i) => i.leader);
    const first = await waitFor(leaderOf, 5_000);
    const [leader, other] = first.self ? [b, a] : [a, b];
    await leader.stop();
    const started = Date.now();
    const next = await waitFor(async () => {
      const found = ((await certApi(other).get('/api/v1/instances')).body.instances as Array<{ id: string; leader: boolean; self: boolean }>).find(
        (i) => i.leader,
      );
      return found?.self ? found : undefined;
    }, 10_000);
    console.log(`leader stopped; the other instance leads after ${Date.now() - started} ms`);
    expect(next.id).not.toBe(first.id);
    if (leader === a) a = undefined as unknown as TestBridge;
    else b = undefined as unknown as TestBridge;
  }, 20_000);
});
