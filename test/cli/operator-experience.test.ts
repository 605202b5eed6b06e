import fs from 'node:fs';
import path from 'node:path';
import { readDevClient } from '../helpers/start-bridge';
import { provisionedSubscriber, runCliCaptured as cli, useCliBridge, waitingJob } from './cli-harness';

/** An assign of east-std that failed with `code`, waiting for an operator to retry it. */
const failedJob = (userId: string, code: string, message: string) =>
  waitingJob({ kind: 'assign', template: 'east-std', userId, enterpriseId: 'east-co', state: 'failed', lastError: { code, message, at: Date.now() } });

/** Issue 12, "The operator experience": the CLI as a new operator meets it. */
describe('imp-bridge CLI: operator experience', () => {
  const t = useCliBridge();

  beforeAll(async () => {
    expect((await cli('cluster', 'add', 'east', '--host', 'as1.east.example.net', '--source', '192.0.2.10', '--subject-cn', 'as1.east.example.net')).code).toBe(
      0,
    );
    expect(
      (await cli('template', 'add', 'east-std', '--provisioning-id', 'prov-e', '--package', 'standard', '--username', 'east-as', '--cluster', 'east')).code,
    ).toBe(0);
  });

  describe('usage mistakes exit 2 with one line and a pointer to --help', () => {
    it.each([
      [['jobs', 'list', '--bogus'], /unknown option '--bogus'/],
      [['template', 'show'], /missing required argument 'name'/],
      [['jobs', 'list', '--state', 'faild'], /did you mean "failed"\?/],
      [['subscribers', 'list', '--limit', '0'], /positive whole number/],
      [['jobs', 'cancel', 'abc'], /positive whole number/],
      [['unknown-requests', 'list', '--kind', 'recordd'], /did you mean "recorded"\?/],
      [['template', 'edit', 'east-std', '--target', 'wholsale'], /did you mean "wholesale"\?/],
    ])('%j', async (args, message) => {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/run "imp-bridge [a-z -]+ --help" for the usage/);
      expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(3);
      expect(r.err).not.toContain('Options:');
    });

    it('a filter naming an unknown template or status is refused with a suggestion, not an empty list', async () => {
      const template = await cli('subscribers', 'list', '--template', 'east-sdt');
      expect(template.code).toBe(2);
      expect(template.err).toContain('--template: no template "east-sdt" (did you mean "east-std"?)');
      const status = await cli('subscribers', 'list', '--status', 'provisoned');
      expect(status.code).toBe(2);
      expect(status.err).toContain('did you mean "provisioned"?');
      expect((await cli('jobs', 'list', '--template', 'nope')).code).toBe(2);
      expect((await cli('customers', 'list', '--template', 'nope')).code).toBe(2);
    });

    it('reconcile --unassign-unknown without --repair is refused', async () => {
      const r = await cli('reconcile', '--unassign-unknown');
      expect(r.code).toBe(2);
      expect(r.err).toContain('--unassign-unknown only goes with --repair');
    });

    it('trust remove with too short a prefix says the rule', async () => {
      const r = await cli('trust', 'remove', 'ab12');
      expect(r.code).toBe(2);
      expect(r.err).toContain('at least 8 hex digits');
    });
  });

  it('names API validation problems by the flag the operator typed', async () => {
    const r = await cli(
      'template',
      'add',
      'short-pw',
      '--provisioning-id',
      'p',
      '--package',
      'standard',
      '--username',
      'u',
      '--cluster',
      'east',
      '--password',
      'abc',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('--password: use at least 8 characters');
    expect(r.err).not.toContain('body.account.password');
  });

  it('template edit prints the same short confirmation as add; warnings go to stderr', async () => {
    const r = await cli('template', 'edit', 'east-std', '--package', 'premium');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^template east-std updated\n {2}provisioning URL: +https:\/\/.*\/provisioning\/v1\/east-std\n {2}provisioning user: +east-as\n$/);
    expect(r.err).toMatch(/^warning: /m);
  });

  it('cluster edit clears source addresses and identity rules', async () => {
    const r = await cli('cluster', 'edit', 'east', '--clear-source-addresses', '--clear-identity-rules');
    expect(r.code).toBe(0);
    expect(r.out).toBe('cluster east updated\n');
    const shown = JSON.parse((await cli('cluster', 'show', 'east', '--json')).out) as Record<string, unknown>;
    expect(shown).toMatchObject({ sourceAddresses: [], identityRules: { subjectCn: [], san: [], fingerprints: [] }, hosts: ['as1.east.example.net'] });
    const both = await cli('cluster', 'edit', 'east', '--clear-source-addresses', '--source', '192.0.2.1');
    expect(both.code).toBe(2);
  });

  it('answers to singular and plural nouns, and to -q/--query (with --q kept)', async () => {
    const store = t().bridge.parts.store;
    await store.subscribers.upsert(
      provisionedSubscriber({ userId: 'gina@voip.example.net', template: 'east-std', enterpriseId: 'east-co', email: 'gina@east.example' }),
    );
    for (const args of [
      ['subscriber', 'list', '-q', 'gina', '--json'],
      ['subscribers', 'list', '--query', 'gina', '--json'],
      ['subscribers', 'list', '--q', 'gina', '--json'],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ userId: 'gina@voip.example.net' })]);
    }
    expect((await cli('templates', 'list')).code).toBe(0);
    expect((await cli('clusters', 'list')).code).toBe(0);
    expect((await cli('job', 'list', '--state', 'any')).code).toBe(0);
    expect((await cli('customer', 'list')).code).toBe(0);
  });

  it('customers list includes the enterprises of BroadWorks-target templates', async () => {
    const r = await cli('customers', 'list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          enterpriseId: 'east-co',
          template: 'east-std',
          targetApi: 'broadworks',
          status: 'broadworks',
          subscribers: { provisioned: 1 },
        }),
      ]),
    );
    const table = await cli('customers', 'list');
    expect(table.out).toMatch(/east-co\s+east-std\s+broadworks\s+broadworks\s+provisioned=1/);
  });

  it('lists say when they are truncated and which states they show; JSON times are ISO', async () => {
    const store = t().bridge.parts.store;
    for (const user of ['h1', 'h2', 'h3']) await store.jobs.enqueue(failedJob(`${user}@voip.example.net`, 'IMPB_ERR_WEBEX_UNAUTHORIZED', 'token'));
    const r = await cli('jobs', 'list', '--limit', '2');
    expect(r.code).toBe(0);
    expect(r.err).toContain('showing failed jobs; --state <state> (or any) shows the others');
    expect(r.err).toContain('showing 2 of 3; use --limit to see more');
    expect(r.out).toMatch(/ago|just now/);
    const json = JSON.parse((await cli('jobs', 'list', '--state', 'failed', '--json')).out) as Array<Record<string, unknown>>;
    expect(json[0]!.nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('jobs retry --state failed --error CODE retries every matching job through the single-job rules and says how many', async () => {
    const store = t().bridge.parts.store;
    const other = await store.jobs.enqueue(failedJob('i1@voip.example.net', 'IMPB_ERR_WEBEX_REJECTED', 'no'));
    const json = await cli('jobs', 'retry', '--state', 'failed', '--error', 'IMPB_ERR_WEBEX_UNAUTHORIZED', '--template', 'east-std', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ matched: 3, retried: 3, skipped: [], failed: 0 });
    expect((await store.jobs.get(other))!.state).toBe('failed');
    const text = await cli('jobs', 'retry', '--state', 'failed');
    expect(text.out).toMatch(/^1 of 1 job queued again; 0 skipped, 0 failed\n/);
    const audit = await store.audit.list({ entityType: 'job', entityId: String(other) });
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'retry', actor: expect.stringContaining('cli') })]));
    // On a terminal the bar is drawn on stderr; the summary stays on stdout.
    await store.jobs.enqueue(failedJob('i2@voip.example.net', 'IMPB_ERR_WEBEX_REJECTED', 'no'));
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      const bar = await cli('jobs', 'retry', '--state', 'failed');
      expect(bar.err).toMatch(/retry \[.*\] 1\/1 jobs/);
      expect(bar.out).toBe('1 of 1 job queued again; 0 skipped, 0 failed\n');
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    expect((await cli('jobs', 'retry', '7', '--state', 'failed')).code).toBe(2);
    expect((await cli('jobs', 'retry')).code).toBe(2);
  });

  it('precheck names the flags it needs for a user the proxy has not seen', async () => {
    const r = await cli('precheck', 'nobody@voip.example.net');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--template:');
    const noEmail = await cli('precheck', 'nobody@voip.example.net', '--template', 'east-std');
    expect(noEmail.code).toBe(2);
    expect(noEmail.err).toMatch(/--email: .*--enterprise: /);
  });

  it('precheck takes template, email, names and enterprise of a tracked user from the store', async () => {
    const r = await cli('precheck', 'gina@voip.example.net', '--json');
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ api: 'broadworks', request: expect.objectContaining({ email: 'gina@east.example', spEnterpriseId: 'east-co' }) });
  });

  it('trust list says on stderr why it exits 4', async () => {
    const config = path.join(t().dataDir, 'warn-all.yaml');
    fs.writeFileSync(config, 'tls:\n  expiryWarnDays: 100000\n');
    const before = process.env.IMP_BRIDGE_CONFIG;
    process.env.IMP_BRIDGE_CONFIG = config;
    try {
      const r = await cli('trust', 'list');
      expect(r.code).toBe(4);
      expect(r.err).toMatch(/^warning: .* expires in \d+ days, within tls\.expiryWarnDays \(100000\): exit code 4$/m);
      expect(r.out).not.toContain('warning');
    } finally {
      process.env.IMP_BRIDGE_CONFIG = before;
    }
  });

  it('unknown-requests export defaults to the same kind as list', async () => {
    const store = t().bridge.parts.store;
    await store.unknownRequests.add({ kind: 'unknown', requestId: 'req-u1', template: 'east-std', reason: 'unknown command', headers: {}, body: '<x/>' });
    const out = path.join(t().dataDir, 'fixtures');
    const r = await cli('unknown-requests', 'export', '--out', out, '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { written: string[] }).written).toEqual([expect.stringContaining('unknown-')]);
  });

  describe('send', () => {
    const demo = () => ({
      request: path.join(t().dataDir, 'demo-request.xml'),
      credentials: path.join(t().dataDir, 'demo-template.json'),
      ...readDevClient(t().dataDir),
    });
    const certFiles = () => {
      const d = readDevClient(t().dataDir);
      return { cert: path.join(d.dir, 'client.crt'), key: path.join(d.dir, 'client.key'), ca: path.join(t().dataDir, 'certs', 'server.crt') };
    };
    const url = () => `${t().provisioningUrl}/provisioning/v1/demo`;

    it('prints JSON with --json', async () => {
      const f = certFiles();
      const r = await cli(
        'send',
        demo().request,
        '--credentials',
        demo().credentials,
        '--url',
        url(),
        '--cert',
        f.cert,
        '--key',
        f.key,
        '--ca',
        f.ca,
        '--json',
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ status: 200, ok: true, body: expect.stringContaining('SuccessResponse') });
    });

    it('names the flag, the file and the fix', async () => {
      const f = certFiles();
      const base = [demo().request, '--credentials', demo().credentials, '--url', url()];
      const missing = await cli('send', ...base, '--cert', '/nonexistent/client.crt', '--key', f.key, '--ca', f.ca);
      expect(missing.err).toContain('--cert /nonexistent/client.crt: cannot read the client certificate (no such file)');
      expect(missing.code).toBe(2);
      const swapped = await cli('send', ...base, '--cert', f.key, '--key', f.cert, '--ca', f.ca);
      expect(swapped.err).toContain('are swapped');
      expect(swapped.code).toBe(2);
      const notPem = await cli('send', ...base, '--cert', f.cert, '--key', f.key, '--ca', demo().request);
      expect(notPem.err).toContain(`--ca ${demo().request} is not a PEM certificate`);
      const noCa = await cli('send', ...base, '--cert', f.cert, '--key', f.key);
      expect(noCa.code).toBe(1);
      expect(noCa.err).toMatch(/not trusted .*add --ca/);
    });
  });
});
