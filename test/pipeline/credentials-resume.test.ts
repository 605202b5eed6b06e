import { startWebexSimulator, type WebexSimulator } from '../../src/webex/simulator';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { ACME_PASSWORD, addDocument, postDocument, templateConfig } from '../inbound/flowthrough-client';
import { eventually } from '../webex/sim-fixtures';

const TOKEN = 'sim-token-for-tests-0123456789';

/**
 * Issue 12 §5 end to end: a wrong token parks the user's job instead of failing it for good, and
 * fixing the token (here: Webex accepting it again) resumes the job with no operator action.
 */
describe('jobs parked on refused Webex credentials resume by themselves', () => {
  let sim: WebexSimulator;
  let t: TestBridge;
  beforeAll(async () => {
    sim = await startWebexSimulator({ host: '127.0.0.1', port: 0, token: TOKEN, provisioningDelayMs: 5, faults: { refuseTokens: true } });
    t = await startTestBridge({
      templates: [templateConfig('acme-standard', ACME_PASSWORD)],
      webex: { baseUrl: sim.baseUrl, token: TOKEN, credentialsRetryIntervalMs: 200, credentialsCheckIntervalMs: 60_000 },
      pipeline: { retryBaseMs: 50, pollInitialMs: 50 },
    });
  });
  afterAll(async () => {
    await t.stop();
    await sim.close();
  });

  it('parks the assign as awaiting_credentials, then provisions it once Webex accepts the token', async () => {
    const userId = 'parked@voip.example.net';
    const answer = await postDocument(t, addDocument(userId, '\n    <emailAddress>parked@acme.example.net</emailAddress>'));
    expect(answer.status).toBe(200);
    const store = t.bridge.parts.store;
    const parked = await eventually(async () => (await store.jobs.list({ userId, state: 'awaiting_credentials' }))[0]);
    expect(parked.lastError?.code).toBe('IMPB_ERR_WEBEX_UNAUTHORIZED');
    expect(await store.jobs.list({ userId, state: 'failed' })).toEqual([]);

    sim.setFaults({ refuseTokens: false });
    const done = await eventually(async () => {
      const job = await store.jobs.get(parked.id);
      return job && ['done', 'failed'].includes(job.state) ? job : undefined;
    }, 20_000).catch((err: unknown) => {
      process.stdout.write(
        t.logs
          .filter((l) => /credential|job|pipeline/.test(String(l.event)))
          .map((l) => JSON.stringify(l).slice(0, 300))
          .join('\n'),
      );
      throw err;
    });
    expect(done.state).toBe('done');
    expect((await store.subscribers.get(userId))?.status).toBe('provisioned');
    expect(t.logs.some((l) => l.event === 'pipeline.resumed_credentials' && l.jobs === 1)).toBe(true);
  });
});
