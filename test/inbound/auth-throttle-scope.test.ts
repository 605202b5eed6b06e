import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, OTHER_PASSWORD, addDocument, basic, postDocument, templateConfig } from './flowthrough-client';

// Failures are counted per source address and template (README, "Security"): an attacker behind
// the same NAT as an AS can lock out only the template it guesses at.
describe('authentication throttle scope', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({
      provisioning: { authFailureLimit: 2, authFailureBaseDelayMs: 1 },
      templates: [templateConfig('acme-standard', ACME_PASSWORD), templateConfig('other', OTHER_PASSWORD)],
    });
  });
  afterEach(() => t.bridge.parts.inbound.authThrottle.reset());
  afterAll(async () => {
    await t.stop();
  });

  it('a burst of wrong guesses on one template blocks that template only, for the same source address', async () => {
    const wrong = { template: 'other', authorization: basic('other-as', 'guess-1234') };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postDocument(t, addDocument('th1@x'), wrong)).status);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    expect((await postDocument(t, addDocument('th1@x'), { template: 'other', authorization: basic('other-as', OTHER_PASSWORD) })).status).toBe(429);
    const neighbour = await postDocument(t, addDocument('th2@x'));
    expect(neighbour.status).toBe(200);
    expect(neighbour.text).toContain('c:SuccessResponse');
    expect(t.logs.filter((l) => l.event === 'inbound.auth.throttled').at(-1)).toMatchObject({ template: 'other' });
  });

  it('correct credentials sent for an unknown template are not counted as failures', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await postDocument(t, addDocument('th3@x'), { template: 'renamed', authorization: basic('acme-standard-as', ACME_PASSWORD) });
      expect(res.status).toBe(404);
      expect(res.text).toContain('<errorCode>4004</errorCode>');
    }
    const right = await postDocument(t, addDocument('th3@x'));
    expect(right.status).toBe(200);
    expect(right.text).toContain('c:SuccessResponse');
  });
});
