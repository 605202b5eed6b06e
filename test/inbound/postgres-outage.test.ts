import { request } from 'undici';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { describePostgres } from '../helpers/postgres';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { ACME_PASSWORD, addDocument, postDocument, templateConfig } from './flowthrough-client';

/**
 * Issue 14, "PostgreSQL down": the bridge reaches PostgreSQL through a loopback proxy the test
 * cuts. While it is cut the AS gets 5001 and nothing is acknowledged; /readyz is not ready;
 * when it returns, the bridge recovers by itself.
 */
describePostgres('PostgreSQL outage: 5001, not ready, recovery', (pg) => {
  let t: TestBridge;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(pg.url);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(pg.url);
    url.host = `127.0.0.1:${proxy.port}`;
    url.searchParams.set('options', pg.options);
    t = await startTestBridge({
      store: { kind: 'postgres', postgres: { url: url.toString(), poolSize: 4, statementTimeoutMs: 3_000 } },
      templates: [templateConfig('acme-standard', ACME_PASSWORD)],
      pipeline: { idlePollMs: 100 },
    });
  }, 60_000);
  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await t?.stop();
    await proxy?.close();
  });

  const readyz = async () => (await request(`${t.adminUrl}/readyz`)).statusCode;
  const eventually = async (what: () => Promise<boolean>, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 100))) if (await what()) return true;
    return false;
  };

  it('acknowledges while PostgreSQL answers, answers 5001 while it is cut (storing nothing), and recovers by itself', async () => {
    const ok = await postDocument(t, addDocument('before@x'));
    expect(ok.text).toContain('c:SuccessResponse');
    expect(await eventually(async () => (await readyz()) === 200, 10_000)).toBe(true);

    await proxy.cut();
    const cutAt = Date.now();
    const during = await postDocument(t, addDocument('during@x'));
    console.log(`answer while PostgreSQL is unreachable after ${Date.now() - cutAt} ms`);
    expect(during.status).toBe(200);
    expect(during.text).toContain('<errorCode>5001</errorCode>');
    expect(during.text).not.toContain('c:SuccessResponse');
    expect(await eventually(async () => (await readyz()) === 503, 10_000)).toBe(true);
    console.log(`/readyz not ready ${Date.now() - cutAt} ms after the cut`);

    await proxy.restore();
    const restoredAt = Date.now();
    expect(await eventually(async () => (await readyz()) === 200, 20_000)).toBe(true);
    console.log(`/readyz ready again ${Date.now() - restoredAt} ms after PostgreSQL returned`);
    const retry = await postDocument(t, addDocument('during@x'));
    expect(retry.text).toContain('c:SuccessResponse');
    const store = t.bridge.parts.store;
    expect(await store.events.listForUser('before@x')).toHaveLength(1);
    // The refused attempt left nothing: only the retry is stored.
    expect(await store.events.listForUser('during@x')).toHaveLength(1);
  }, 90_000);
});
