import fs from 'node:fs';
import path from 'node:path';
import { createAdminClient } from '../../src/cli/admin-client';
import { runImport, type ImportSummary } from '../../src/cli/commands/import-command';
import type { ImportBatchResult } from '../../src/operations/import-users';
import type { SqliteStore } from '../../src/store';
import { ImpbError } from '../../src/errors';
import { pointCliAt, startTestBridge, type TestBridge } from '../helpers/start-bridge';
import { runCliCaptured } from './cli-harness';

const HEADER = 'userId,serviceProviderId,firstName,lastName,email,language';
const row = (n: number, extra: Partial<Record<'first' | 'last' | 'email', string>> = {}) =>
  `u${n}@voip.example.net,ent-1,${extra.first ?? `First${n}`},${extra.last ?? `Last${n}`},${extra.email ?? `u${n}@example.net`},English`;

describe('imp-bridge import users.csv', () => {
  const saved = { ...process.env };
  let t: TestBridge;
  let dir: string;
  const file = (name: string, lines: string[]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `${lines.join('\n')}\n`);
    return p;
  };
  const eventCount = () => (t.bridge.parts.store as SqliteStore).events.count();

  beforeAll(async () => {
    // The pipeline would turn imported users into tracked subscribers meanwhile; the import's
    // skip rules must hold either way, so it runs as usual against the built-in simulator.
    t = await startTestBridge({ webex: { simulatorProvisioningDelayMs: 10 } });
    pointCliAt(t);
    dir = fs.mkdtempSync(path.join(t.dataDir, 'csv-'));
  });
  afterAll(async () => {
    process.env = saved;
    await t.stop();
  });

  it('--dry-run validates every row as the flow-through path does, names the lines, and writes nothing', async () => {
    const csv = file('dry.csv', [HEADER, row(1), row(2), `u3@voip.example.net,ent-1,Ann,,a3@example.net,English`, row(4, { email: 'not-an-email' }), row(1)]);
    const before = await eventCount();
    // Nothing at all is written on this connection (no event, no stored request, no job, no audit).
    const db = (t.bridge.parts.store as SqliteStore).db;
    const changes = () => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const changesBefore = changes();
    const r = await runCliCaptured('import', csv, '--template', 'demo', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 4 (u3@voip.example.net): Missing mandatory field: lastName');
    expect(r.out).toContain('line 5 (u4@voip.example.net): Invalid field: emailAddress (expected an email address)');
    expect(r.out).toContain('line 6 (u1@voip.example.net): userId already on line 2 of the file');
    expect(r.out).toContain(
      'dry.csv → template demo: 2 would be imported, 0 skipped (0 already imported, 0 already tracked), 3 invalid, 0 of another template — 5 rows; dry run, nothing written',
    );
    expect(await eventCount()).toBe(before);
    expect(changes()).toBe(changesBefore);
  });

  it('enqueues assigns built by the flow-through event builder, then skips every row on a re-run', async () => {
    const csv = file('users.csv', [HEADER, ...[11, 12, 13, 14, 15].map((n) => row(n))]);
    const before = await eventCount();
    const first = await runCliCaptured('import', csv, '--template', 'demo', '--batch-size', '2', '--json');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.out) as ImportSummary;
    expect(summary).toMatchObject({ complete: true, totalRows: 5, counts: { imported: 5, already_imported: 0, invalid: 0 } });
    expect(first.err).toContain('users.csv → template demo: 5 imported');
    const [audit] = await t.bridge.parts.store.audit.list({ entityType: 'template', entityId: 'demo', limit: 1 });
    expect(audit).toMatchObject({ actor: 'cli', action: 'import', after: { imported: 1, rows: 1 }, detail: 'users.csv lines 6-6' });
    expect(await eventCount()).toBe(before + 5);
    const [event] = await t.bridge.parts.store.events.listForUser('u11@voip.example.net', 1);
    expect(event).toMatchObject({
      kind: 'assign',
      template: 'demo',
      enterpriseId: 'ent-1',
      serviceProviderId: 'ent-1',
      profile: { firstName: 'First11', lastName: 'Last11', email: 'u11@example.net', language: 'en_US' },
    });
    expect((await t.bridge.parts.store.jobs.list({ userId: 'u11@voip.example.net' })).map((j) => j.kind)).toContain('assign');
    // Each event stores its own row, not the whole batch (storage stays linear in the rows).
    expect(event!.rawRequest).toContain('users.csv');
    expect(event!.rawRequest).toContain('line 2');
    expect(event!.rawRequest).not.toContain('u12@voip.example.net');

    const again = await runCliCaptured('import', csv, '--template', 'demo');
    expect(again.code).toBe(0);
    expect(again.out).toContain(
      'users.csv → template demo: 0 imported, 5 skipped (5 already imported, 0 already tracked), 0 invalid, 0 of another template — 5 rows',
    );
    expect(await eventCount()).toBe(before + 5);
  });

  it('resumes an interrupted import: the committed batches are skipped, the rest imported', async () => {
    const csv = file('big.csv', [HEADER, ...Array.from({ length: 10 }, (_, i) => row(100 + i))]);
    const before = await eventCount();
    const client = createAdminClient();
    let calls = 0;
    try {
      // The connection is lost during the third batch (the proxy answered the first two).
      await expect(
        runImport(csv, { template: 'demo', batchSize: 3 }, async (body) => {
          calls += 1;
          if (calls === 3) throw new ImpbError('IMPB_ERR_ADMIN_UNREACHABLE', { message: 'cannot reach the imp-bridge admin API' });
          return client.call<ImportBatchResult>('POST', '/api/v1/import/users', body);
        }),
      ).rejects.toThrow(/stopped at line 8; the rows before it are imported: run the same command again to resume/);
    } finally {
      await client.close();
    }
    expect(await eventCount()).toBe(before + 6);

    const resumed = await runCliCaptured('import', csv, '--template', 'demo', '--json');
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.out) as ImportSummary).counts).toMatchObject({ imported: 4, already_imported: 6 });
    expect(await eventCount()).toBe(before + 10);
  });

  it('stops between batches when asked and says how to resume', async () => {
    const csv = file('stop.csv', [HEADER, ...Array.from({ length: 4 }, (_, i) => row(200 + i))]);
    const client = createAdminClient();
    let sent = 0;
    try {
      const s = await runImport(
        csv,
        { template: 'demo', batchSize: 2 },
        async (body) => ((sent += 1), client.call<ImportBatchResult>('POST', '/api/v1/import/users', body)),
        { stopRequested: () => sent === 1 },
      );
      expect(s).toMatchObject({ complete: false, counts: { imported: 2 } });
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown column with a did-you-mean (exit 2), and an unknown template (exit 1)', async () => {
    const badColumn = file('bad-column.csv', ['userId,serviceProviderId,fristName,lastName', 'u300@voip.example.net,ent-1,A,B']);
    const r = await runCliCaptured('import', badColumn, '--template', 'demo');
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad-column.csv: unknown column "fristName" (did you mean firstName?)');
    const good = file('one.csv', [HEADER, row(301)]);
    const unknown = await runCliCaptured('import', good, '--template', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no template named nope');
  });

  it('refuses a user that belongs to another template, as the flow-through path does', async () => {
    const added = await runCliCaptured('template', 'add', 'other', '--provisioning-id', 'prov-other', '--package', 'standard', '--username', 'other-as');
    expect(added.code).toBe(0);
    const csv = file('other.csv', [HEADER, row(12), row(400)]);
    const r = await runCliCaptured('import', csv, '--template', 'other', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 2 (u12@voip.example.net): User belongs to another template: u12@voip.example.net');
    expect(r.out).toContain('1 would be imported');
    expect(r.out).toContain('1 of another template');
  });

  it('skips a user the AS already provisioned through imp-bridge with other data', async () => {
    const csv = file('tracked.csv', [HEADER, row(11, { first: 'Changed' })]);
    const r = await runCliCaptured('import', csv, '--template', 'demo', '--json');
    const s = JSON.parse(r.out) as ImportSummary;
    expect(s.counts.already_tracked).toBe(1);
    expect(s.rows[0]!.message).toMatch(/already (tracked by imp-bridge|has a pending event)/);
  });
});
