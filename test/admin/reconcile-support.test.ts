import fs from 'node:fs';
import path from 'node:path';
import type { SupportReport } from '../../src/operations/support-report';
import { formatSupport } from '../../src/cli/commands/support-command';
import { buildProgram } from '../../src/cli/main';
import { isWebexError } from '../../src/errors';
import type { WebexProvisioningApi } from '../../src/pipeline/webex-port';
import { createSqliteStore } from '../../src/store';
import { PARTNER_ORG_SETTINGS_KEY } from '../../src/webex/partner-org';
import { SIMULATOR_PARTNER_ORG_UUID, type WebexSimulator } from '../../src/webex/simulator';
import { startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { makeTempDir } from '../helpers/temp-dir';
import { adminApi, CLUSTER, templateBody } from './admin-api-helpers';

const ORG_UUID = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
const PARTNER_UUID = '5f3b8a9e-1c2d-4e5f-8a7b-9c0d1e2f3a4b';
const webexOrgId = (uuid: string) => Buffer.from(`ciscospark://us/ORGANIZATION/${uuid}`).toString('base64');

describe('reconcile and support data against the built-in Webex simulator', () => {
  let t: TestBridge;
  let api: ReturnType<typeof adminApi>;
  let client: WebexProvisioningApi;
  let simulator: WebexSimulator;

  beforeAll(async () => {
    t = await startTestBridge({ webex: { simulatorProvisioningDelayMs: 30 }, pipeline: { pollInitialMs: 20, pollMaxMs: 100 } });
    api = adminApi(t.adminUrl, t.dataDir);
    const webex = t.bridge.parts.webex as unknown as { client: WebexProvisioningApi; simulator: WebexSimulator };
    client = webex.client;
    simulator = webex.simulator;
    await api.call('POST', '/api/v1/clusters', CLUSTER);
    expect((await api.call('POST', '/api/v1/templates', templateBody('rec', { provisioningId: 'prov-rec' }))).status).toBe(201);
  });
  afterAll(async () => {
    await t.stop();
  });

  const create = (userId: string, lastName: string) =>
    client.broadworks.createSubscriber({
      provisioningId: 'prov-rec',
      userId,
      spEnterpriseId: 'acme',
      firstName: userId.split('@')[0]!,
      lastName,
      package: 'standard',
      email: `${userId.split('@')[0]}@acme.example`,
    });

  const storeUser = (userId: string, lastName: string, webexSubscriberId?: string) =>
    t.bridge.parts.store.subscribers.upsert({
      userId,
      template: 'rec',
      enterpriseId: 'acme',
      status: 'provisioned',
      isActive: true,
      email: `${userId.split('@')[0]}@acme.example`,
      package: 'standard',
      ...(webexSubscriberId ? { webexSubscriberId } : {}),
      profile: { firstName: userId.split('@')[0]!, lastName, email: `${userId.split('@')[0]}@acme.example` },
    });

  async function reconcile(body: Record<string, unknown>) {
    const res = await api.call('POST', '/api/v1/reconcile', body);
    expect(res.status).toBe(200);
    return res.body;
  }

  it('finds the three planted kinds of drift and repairs them', async () => {
    // In sync: in the store and in Webex.
    const ok = await create('ok@voip.example.net', 'Fine');
    await storeUser('ok@voip.example.net', 'Fine', ok.data.id);
    // Missing in Webex: the store believes it assigned.
    await storeUser('missing@voip.example.net', 'Gone');
    // Status error in Webex (stale data the proxy will push again).
    const broken = await create('broken@voip.example.net', 'Stale');
    await storeUser('broken@voip.example.net', 'Fixed', broken.data.id);
    // Unknown in Webex: created behind the proxy's back.
    await create('stranger@voip.example.net', 'Unknown');
    await t.bridge.parts.pipeline.worker!.whenIdle({ includeFuture: true, timeoutMs: 10_000 });
    await waitFor(() => [...simulator.state.broadworksSubscribers.values()].every((s) => s.status === 'provisioned'));
    const record = simulator.state.broadworksSubscribers.get(broken.data.id)!;
    record.status = 'error';
    record.errors = [{ errorCode: 10022, description: 'The BroadWorks UserID is already associated with an existing user' }];

    const report = await reconcile({});
    expect(report.counts).toEqual({ missing_in_webex: 1, unknown_in_webex: 1, status_error: 1 });
    const byKind = Object.fromEntries((report.drift as Array<{ kind: string; userId: string; action: string }>).map((d) => [d.kind, d]));
    expect(byKind.missing_in_webex).toMatchObject({ userId: 'missing@voip.example.net', action: 'reported only' });
    expect(byKind.status_error).toMatchObject({ userId: 'broken@voip.example.net', webexStatus: 'error' });
    expect(byKind.unknown_in_webex).toMatchObject({ userId: 'stranger@voip.example.net' });
    expect(report.jobsQueued).toBe(0);

    // Repair without the explicit flag leaves the unknown subscriber alone.
    const cautious = await reconcile({ repair: true });
    const unknown = (cautious.drift as Array<{ kind: string; action: string }>).find((d) => d.kind === 'unknown_in_webex');
    expect(unknown?.action).toBe('reported only');
    expect(cautious.jobsQueued).toBe(2);
    await t.bridge.parts.pipeline.worker!.whenIdle({ includeFuture: true, timeoutMs: 15_000 });

    const repaired = await reconcile({ repair: true, unassignUnknown: true });
    // The first repair's jobs may already have fixed missing/error; the unknown one is queued now.
    const queuedUnknown = (repaired.drift as Array<{ kind: string; action: string; jobId?: number }>).find((d) => d.kind === 'unknown_in_webex');
    expect(queuedUnknown).toMatchObject({ action: 'unassign queued' });
    const job = await t.bridge.parts.store.jobs.get(queuedUnknown!.jobId!);
    expect(job).toMatchObject({ kind: 'unassign', userId: 'stranger@voip.example.net', template: 'rec' });

    await waitFor(async () => {
      await t.bridge.parts.pipeline.worker!.whenIdle({ includeFuture: true, timeoutMs: 15_000 });
      const after = await reconcile({});
      return after.drift.length === 0 && after.inFlight.length === 0;
    }, 25_000);
    const users = [...simulator.state.broadworksSubscribers.values()].map((s) => `${s.userId}:${s.status}`).sort();
    expect(users).toEqual(['broken@voip.example.net:provisioned', 'missing@voip.example.net:provisioned', 'ok@voip.example.net:provisioned']);
  }, 60_000);

  it('support output carries the TrackingIDs of failed calls, org ids in UUID form, and no secret', async () => {
    const store = t.bridge.parts.store;
    // A stale persisted value loses against what Webex says now (GET /people/me).
    await store.settings.set(PARTNER_ORG_SETTINGS_KEY, webexOrgId(PARTNER_UUID));
    await store.subscribers.upsert({
      userId: 'carol@voip.example.net',
      template: 'rec',
      enterpriseId: 'acme',
      status: 'error',
      isActive: true,
      email: 'carol@acme.example',
      orgId: webexOrgId(ORG_UUID),
      lastErrorCode: '10022',
      profile: { firstName: 'Carol', lastName: 'Case' },
    });
    const trackingIds: string[] = [];
    for (const pkg of ['gold', 'platinum']) {
      const err = await client.broadworks
        .createSubscriber(
          { provisioningId: 'prov-rec', userId: 'carol@voip.example.net', spEnterpriseId: 'acme', firstName: 'Carol', lastName: 'Case', package: pkg },
          { userId: 'carol@voip.example.net', enterpriseId: 'acme' },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isWebexError(err)).toBe(true);
      if (isWebexError(err)) trackingIds.push(err.trackingId);
    }
    await waitFor(async () => (await store.webexCalls.list({ userId: 'carol@voip.example.net', errorsOnly: true })).length >= 2);

    const res = await api.call('GET', `/api/v1/support/${encodeURIComponent('carol@voip.example.net')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      proxyVersion: t.bridge.parts.version,
      customerOrgId: ORG_UUID,
      partnerOrgId: SIMULATOR_PARTNER_ORG_UUID,
      partnerOrgIdSource: expect.stringContaining('/people/me'),
      subscriber: { userId: 'carol@voip.example.net', email: 'carol@acme.example', status: 'error', lastErrorCode: '10022' },
    });
    const failed = res.body.failedCalls as Array<{ trackingId: string; httpStatus: number; at: string }>;
    expect(failed.map((c) => c.trackingId)).toEqual(expect.arrayContaining(trackingIds));
    expect(failed.every((c) => c.httpStatus >= 400 && c.at)).toBe(true);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(api.token);
    expect(text).not.toContain(simulator.token);
    expect(text).not.toMatch(/scrypt\$|Secr3t|Bearer /);

    const enterprise = await api.call('GET', '/api/v1/support/acme');
    expect(enterprise.status).toBe(200);
    expect(enterprise.body.subject).toEqual({ kind: 'enterprise', id: 'acme' });
    expect((enterprise.body.failedCalls as Array<{ trackingId: string }>).map((c) => c.trackingId)).toEqual(expect.arrayContaining(trackingIds));
    expect((await api.call('GET', '/api/v1/support/nobody')).status).toBe(404);
  });

  it('support data says the customer org ID is not known yet when Webex has not reported the person', async () => {
    await t.bridge.parts.store.subscribers.upsert({
      userId: 'noorg@voip.example.net',
      template: 'rec',
      enterpriseId: 'orgless',
      status: 'pending',
      isActive: true,
      profile: {},
    });
    const res = await api.call('GET', `/api/v1/support/${encodeURIComponent('noorg@voip.example.net')}`);
    expect(res.status).toBe(200);
    expect(res.body.customerOrgId).toBeUndefined();
    expect(res.body.customerOrgIdSource).toBe('not known yet (filled in once Webex reports the person)');
    expect(formatSupport(res.body as SupportReport)).toMatch(/^Customer org ID\s+not known yet \(filled in once Webex reports the person\)$/m);
    const carol = await api.call('GET', `/api/v1/support/${encodeURIComponent('carol@voip.example.net')}`);
    expect(carol.body.customerOrgIdSource).toMatch(/subscriber record/);
    expect(formatSupport(carol.body as SupportReport)).toMatch(new RegExp(`^Customer org ID\\s+${ORG_UUID}$`, 'm'));
  });

  it('reports a Webex user whose assign is still in flight (no store record yet) as in flight, not drift, and never repairs it', async () => {
    expect((await api.call('POST', '/api/v1/templates', templateBody('rec-flight', { provisioningId: 'prov-flight' }))).status).toBe(201);
    const createIn = (userId: string) =>
      client.broadworks.createSubscriber({
        provisioningId: 'prov-flight',
        userId,
        spEnterpriseId: 'acme',
        firstName: 'In',
        lastName: 'Flight',
        package: 'standard',
        email: `${userId.split('@')[0]}@acme.example`,
      });
    // The assign reached Webex; its job has not finished, so the store has no record yet.
    await createIn('flight@voip.example.net');
    const assign = await t.bridge.parts.store.jobs.enqueue({
      eventId: 0,
      kind: 'assign',
      template: 'rec-flight',
      userId: 'flight@voip.example.net',
      enterpriseId: 'acme',
      nextRunAt: Date.now() + 3_600_000,
      payload: {},
      state: 'retry_wait',
    });
    await createIn('stray@voip.example.net');

    const report = await reconcile({ template: 'rec-flight' });
    expect(report.inFlight).toEqual(['flight@voip.example.net']);
    expect(report.counts).toEqual({ missing_in_webex: 0, unknown_in_webex: 1, status_error: 0 });
    expect(report.drift).toEqual([expect.objectContaining({ kind: 'unknown_in_webex', userId: 'stray@voip.example.net' })]);

    const repaired = await reconcile({ template: 'rec-flight', repair: true, unassignUnknown: true });
    expect(repaired.inFlight).toEqual(['flight@voip.example.net']);
    const jobs = await t.bridge.parts.store.jobs.list({ userId: 'flight@voip.example.net' });
    expect(jobs.map((j) => j.id)).toEqual([assign]);
  });

  it('prechecks with exactly the body the pipeline’s create sends: current package, language, time zone, name fallbacks', async () => {
    const templateRes = await api.call(
      'POST',
      '/api/v1/templates',
      templateBody('rec-pre', { provisioningId: 'prov-pre', package: 'standard', language: 'de', timeZone: 'Europe/Berlin' }),
    );
    expect(templateRes.status).toBe(201);
    const userId = 'pre@voip.example.net';
    // No names known (the pipeline falls back to the user id's local part); the package was changed to premium.
    await t.bridge.parts.store.subscribers.upsert({
      userId,
      template: 'rec-pre',
      enterpriseId: 'acme',
      status: 'provisioned',
      isActive: true,
      email: 'pre@acme.example',
      package: 'premium',
      profile: { email: 'pre@acme.example', phoneNumber: '+15551230000' },
    });
    const prechecked = await api.call('POST', '/api/v1/precheck', { userId, template: 'rec-pre' });
    expect(prechecked.status).toBe(200);

    const create = jest.spyOn(client.broadworks, 'createSubscriber');
    try {
      const resync = await api.call('POST', `/api/v1/subscribers/${encodeURIComponent(userId)}/resync`);
      expect(resync.status).toBe(202);
      await waitFor(async () => (await t.bridge.parts.store.jobs.get(resync.body.job.id))?.state === 'done');
      const sent = create.mock.calls.find(([body]) => body.userId === userId)?.[0];
      expect(sent).toMatchObject({ package: 'premium', language: 'de', timezone: 'Europe/Berlin', firstName: 'pre', lastName: 'pre' });
      expect(prechecked.body.request).toEqual(sent);
    } finally {
      create.mockRestore();
    }
  });

  it('prechecks a user with what the proxy would send', async () => {
    const res = await api.call('POST', '/api/v1/precheck', { userId: 'carol@voip.example.net', template: 'rec', email: 'carol@acme.example' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, api: 'broadworks', httpStatus: 200 });
    expect(res.body.request).toMatchObject({ provisioningId: 'prov-rec', userId: 'carol@voip.example.net', spEnterpriseId: 'acme', package: 'standard' });
    expect(res.body.trackingId).toEqual(expect.any(String));
  });
});

describe('support: the partner org of the access token, through the running proxy and from a stopped one', () => {
  const temp = makeTempDir();
  const saved = { ...process.env };
  let t: TestBridge | undefined;

  afterAll(async () => {
    await t?.stop().catch(() => undefined);
    process.env = saved;
    temp.cleanup();
  });

  /** `imp-bridge <args>` in-process, output captured. */
  async function cli(...args: string[]): Promise<{ out: string; err: string }> {
    let out = '';
    let err = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    try {
      const program = buildProgram();
      program.exitOverride();
      await program.parseAsync(['node', 'imp-bridge', ...args]);
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.exitCode = undefined;
    }
    return { out, err };
  }

  it('prints the simulator partner org UUID, and the persisted one when the proxy is stopped', async () => {
    t = await startTestBridge({ webex: { simulatorProvisioningDelayMs: 5 } }, { dataDir: temp.dir });
    const emptyConfig = path.join(temp.dir, 'empty.yaml');
    fs.writeFileSync(emptyConfig, '');
    Object.assign(process.env, {
      IMP_BRIDGE_CONFIG: emptyConfig,
      IMP_BRIDGE_DATA_DIR: temp.dir,
      IMP_BRIDGE_ADMIN_HOST: '127.0.0.1',
      IMP_BRIDGE_ADMIN_PORT: String(t.bridge.adminAddress.port),
    });
    await t.bridge.parts.store.subscribers.upsert({
      userId: 'erin@voip.example.net',
      template: 'none',
      enterpriseId: 'globex',
      status: 'error',
      isActive: true,
      email: 'erin@globex.example',
      profile: { firstName: 'Erin', lastName: 'East' },
    });

    const running = await cli('support', 'erin@voip.example.net');
    expect(running.out).toMatch(new RegExp(`Partner org ID\\s+${SIMULATOR_PARTNER_ORG_UUID}`));
    expect(running.err).not.toContain('not running');

    await t.stop();
    t = undefined;
    const stopped = await cli('support', 'erin@voip.example.net', '--json');
    expect(stopped.err).toContain('not running');
    expect(JSON.parse(stopped.out)).toMatchObject({
      partnerOrgId: SIMULATOR_PARTNER_ORG_UUID,
      partnerOrgIdSource: expect.stringContaining(PARTNER_ORG_SETTINGS_KEY),
      subscriber: { email: 'erin@globex.example' },
    });

    // What the stopped proxy shows is the persisted value, whatever it is.
    const store = createSqliteStore({ dataDir: temp.dir });
    await store.settings.set(PARTNER_ORG_SETTINGS_KEY, webexOrgId(PARTNER_UUID));
    await store.close();
    const text = await cli('support', 'erin@voip.example.net');
    expect(text.out).toMatch(new RegExp(`Partner org ID\\s+${PARTNER_UUID}`));
  }, 30_000);
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
