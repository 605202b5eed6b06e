import { request } from 'undici';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';

describe('listeners', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('admin listener answers /healthz with 200', async () => {
    const res = await request(`${t.adminUrl}/healthz`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: 'ok' });
  });

  it('mTLS listener answers a client presenting the dev client certificate', async () => {
    const res = await request(`${t.provisioningUrl}/nothing-here`, { dispatcher: t.devClientAgent() });
    expect(res.statusCode).toBe(404);
    await res.body.text();
  });
});
