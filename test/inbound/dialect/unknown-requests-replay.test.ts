import { runCliCaptured as cli } from '../../cli/cli-harness';
import { pointCliAt, startTestBridge, type TestBridge } from '../../helpers/start-bridge';
import { ACME_PASSWORD, postDocument, templateConfig } from '../flowthrough-client';

const unknownTypeDocument = `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">replay-1</sessionId>
  <command xsi:type="UserIMPAddRequest22" xmlns="">
    <userId>replayed@acme.example</userId>
    <impPassword>Imp-Secret-Replay-9</impPassword>
    <serviceProviderId>acme</serviceProviderId>
    <firstName>Rita</firstName>
    <lastName>Replay</lastName>
  </command>
</BroadsoftDocument>
`;

describe('unknown-requests replay', () => {
  const saved = { ...process.env };
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({ templates: [templateConfig('acme-standard', ACME_PASSWORD)] });
    pointCliAt(t);
  });
  afterAll(async () => {
    await t.stop();
    process.env = saved;
  });

  it('applies a configured alias to a stored unknown request: dry run first, then once, audited', async () => {
    const store = t.bridge.parts.store;
    expect((await postDocument(t, unknownTypeDocument)).text).toContain('<errorCode>4002</errorCode>');
    const [stored] = await store.unknownRequests.list({ kind: 'unknown' });
    expect(stored).toBeDefined();

    const before = await cli('unknown-requests', 'replay', '--json');
    expect(JSON.parse(before.out).results).toEqual([
      expect.objectContaining({
        id: stored!.id,
        outcome: 'still_unknown',
        detail: 'unknown-command UserIMPAddRequest22',
      }),
    ]);

    expect(t.bridge.parts.inbound.dialect.set({ commandAliases: { UserIMPAddRequest22: 'UserIntegratedIMPAddRequest' } })).toEqual({ ok: true });
    const dry = await cli('unknown-requests', 'replay');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('would_accept');
    expect(dry.out).toContain('dry run: nothing accepted; run again with --apply');
    expect(await store.events.listForUser('replayed@acme.example')).toEqual([]);

    const applied = await cli('unknown-requests', 'replay', '--apply', '--json');
    expect(JSON.parse(applied.out)).toMatchObject({
      dryRun: false,
      results: [{ id: stored!.id, outcome: 'accepted', events: ['UserIMPAddRequest22 replayed@acme.example'] }],
    });
    const events = await store.events.listForUser('replayed@acme.example');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'assign',
      requestId: `replay-${stored!.id}`,
      profile: { lastName: 'Replay' },
    });
    // The stored copy was masked: no secret can come back through a replay.
    expect(JSON.stringify(events[0])).not.toContain('Imp-Secret-Replay-9');
    expect((await store.jobs.list({ limit: 10 })).filter((j) => j.userId === 'replayed@acme.example')).toHaveLength(1);

    const again = await cli('unknown-requests', 'replay', '--apply', '--json');
    expect(JSON.parse(again.out).results).toEqual([expect.objectContaining({ id: stored!.id, outcome: 'already_replayed' })]);
    expect(await store.events.listForUser('replayed@acme.example')).toHaveLength(1);
    const audit = await store.audit.list({ entityType: 'unknown_request', entityId: String(stored!.id) });
    expect(audit).toEqual([expect.objectContaining({ action: 'replay', actor: expect.any(String) })]);
  });
});
