import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';
import { provisionedSubscriber, runCliCaptured as cli, useCliBridge, waitingJob } from './cli-harness';

describe('imp-bridge operator CLI', () => {
  const t = useCliBridge();

  it('creates a cluster and a template, printing a generated password once and the provisioning URL', async () => {
    expect((await cli('cluster', 'add', 'west', '--host', 'as1.west.example.net', '--description', 'west pair')).code).toBe(0);
    const added = await cli(
      'template',
      'add',
      'west-std',
      '--provisioning-id',
      'prov-w',
      '--package',
      'standard',
      '--username',
      'west-as',
      '--cluster',
      'west',
    );
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/provisioning password: [A-Za-z0-9]{20}/);
    expect(added.out).toContain('/provisioning/v1/west-std');
    const shown = await cli('template', 'show', 'west-std', '--json');
    expect(JSON.parse(shown.out)).toMatchObject({ name: 'west-std', provisioningUrl: `${t().bridge.parts.provisioningBaseUrl}/provisioning/v1/west-std` });
    const table = await cli('template', 'list');
    expect(table.out).toMatch(/NAME\s+TARGETAPI/);
    expect(table.out).toContain('west-std');
  });

  it('applies the rules: duplicate refused, invalid package with the allowed list, cluster in use, empty password kept', async () => {
    const dup = await cli('cluster', 'add', 'west');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already exists');
    const bad = await cli('template', 'edit', 'west-std', '--package', 'gold');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('allowed: softphone, basic, standard, premium');
    const inUse = await cli('cluster', 'remove', 'west');
    expect(inUse.code).toBe(1);
    expect(inUse.err).toContain('west-std');
    const before = (await t().bridge.parts.store.templates.get('west-std'))!.account.passwordHash;
    expect((await cli('template', 'edit', 'west-std', '--package', 'premium', '--password', '')).code).toBe(0);
    const after = (await t().bridge.parts.store.templates.get('west-std'))!;
    expect(after.package).toBe('premium');
    expect(after.account.passwordHash).toBe(before);
  });

  it('shows subscribers, jobs, support data and reconcile results', async () => {
    const store = t().bridge.parts.store;
    await store.subscribers.upsert({
      userId: 'dave@voip.example.net',
      template: 'west-std',
      enterpriseId: 'west-co',
      status: 'error',
      isActive: false,
      email: 'dave@west.example',
      profile: {},
    });
    await store.webexCalls.record({
      userId: 'dave@voip.example.net',
      enterpriseId: 'west-co',
      operation: 'broadworks.createSubscriber',
      method: 'POST',
      path: '/broadworks/subscribers',
      httpStatus: 400,
      trackingId: 'ROUTER_TEST_TRACKING_1',
      errorCode: '10022',
    });
    const list = await cli('subscribers', 'list', '--template', 'west-std', '--json');
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ userId: 'dave@voip.example.net', status: 'error' })]);
    const show = await cli('subscribers', 'show', 'dave@voip.example.net');
    expect(show.out).toContain('Timeline:');
    expect(show.out).toContain('ROUTER_TEST_TRACKING_1');
    const support = await cli('support', 'dave@voip.example.net');
    expect(support.code).toBe(0);
    expect(support.out).toContain('ROUTER_TEST_TRACKING_1');
    expect(support.out).toContain('dave@west.example');
    expect(support.out).not.toContain(fs.readFileSync(path.join(t().dataDir, 'admin-token'), 'utf8').trim());
    const jobs = await cli('jobs', 'list', '--state', 'any', '--json');
    expect(Array.isArray(JSON.parse(jobs.out))).toBe(true);
    const reconcile = await cli('reconcile', '--template', 'west-std', '--json');
    expect(JSON.parse(reconcile.out).counts).toEqual({ missing_in_webex: 0, unknown_in_webex: 0, status_error: 0 });
    expect(reconcile.code).toBe(0);
  });

  it('reconcile --repair queues the fixing jobs and exits 4 when it finds drift', async () => {
    const store = t().bridge.parts.store;
    // The store believes erin assigned; Webex has never heard of her.
    await store.subscribers.upsert(
      provisionedSubscriber({
        userId: 'erin@voip.example.net',
        template: 'west-std',
        enterpriseId: 'west-co',
        email: 'erin@west.example',
        profile: { firstName: 'Erin', lastName: 'West', email: 'erin@west.example' },
      }),
    );
    const repaired = await cli('reconcile', '--template', 'west-std', '--repair');
    expect(repaired.code).toBe(4);
    expect(repaired.out).toContain('missing in Webex: 1');
    expect(repaired.out).toMatch(/missing_in_webex\s+erin@voip\.example\.net.*resync queued/);
    expect(repaired.out).toContain('1 job queued');
    expect(await store.jobs.list({ userId: 'erin@voip.example.net', state: ['queued', 'running', 'polling', 'retry_wait', 'done'] })).toEqual([
      expect.objectContaining({ kind: 'resync', payload: expect.objectContaining({ reason: 'reconcile', drift: 'missing_in_webex' }) }),
    ]);
  });

  it('template remove --force deletes a template in use and says what happens to its subscribers', async () => {
    expect(
      (await cli('template', 'add', 'gone-std', '--provisioning-id', 'prov-g', '--package', 'basic', '--username', 'gone-as', '--cluster', 'west')).code,
    ).toBe(0);
    const store = t().bridge.parts.store;
    await store.subscribers.upsert(provisionedSubscriber({ userId: 'frank@voip.example.net', template: 'gone-std', enterpriseId: 'west-co' }));
    const waiting = await store.jobs.enqueue(waitingJob({ kind: 'modify', template: 'gone-std', userId: 'frank@voip.example.net', enterpriseId: 'west-co' }));
    const refused = await cli('template', 'remove', 'gone-std');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--force');
    const forced = await cli('template', 'remove', 'gone-std', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('template gone-std deleted');
    expect(forced.out).toMatch(/1 subscriber stay provisioned in Webex \(their licences are not removed\)/);
    expect(forced.out).toContain('requests from the AS for this template are refused (4004)');
    expect(forced.out).toContain('imp-bridge subscribers resync <userId>');
    expect(forced.out).toContain('1 unfinished job cancelled');
    expect((await store.jobs.get(waiting))!.state).toBe('cancelled');
    expect(await store.templates.get('gone-std')).toBeUndefined();
  });

  it('template show warns when the provisioning URL names a loopback host', async () => {
    const shown = await cli('template', 'show', 'west-std');
    expect(shown.out).toContain(`provisioningUrl`);
    // Warnings go to stderr, the same way from every command.
    expect(shown.err).toMatch(/^warning: the provisioning URL names 127\.0\.0\.1, .*set provisioning\.publicHostname/m);
  });

  it('subscribers revoke queues an unassign with the BroadWorks warning; unknown user exit 1, no user exit 2', async () => {
    const store = t().bridge.parts.store;
    await store.subscribers.upsert(provisionedSubscriber({ userId: 'gina@voip.example.net', template: 'west-std', enterpriseId: 'west-co' }));
    const revoked = await cli('subscribers', 'revoke', 'gina@voip.example.net');
    expect(revoked.code).toBe(0);
    expect(revoked.out).toMatch(/^job \d+ queued: unassign gina@voip\.example\.net/);
    expect(revoked.err).toMatch(/^warning: BroadWorks still shows the service assigned until it is unassigned there; reconcile will report/m);
    const jobId = Number(/^job (\d+)/.exec(revoked.out)![1]);
    expect(await store.jobs.get(jobId)).toMatchObject({ kind: 'unassign', userId: 'gina@voip.example.net' });

    const json = await cli('subscribers', 'revoke', 'gina@voip.example.net', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      job: { id: expect.any(Number) },
      warning: expect.stringMatching(/BroadWorks still shows the service assigned/),
    });

    const unknown = await cli('subscribers', 'revoke', 'nobody@voip.example.net');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no subscriber "nobody@voip.example.net"');
    expect((await cli('subscribers', 'revoke')).code).toBe(2);
    expect((await cli('subscribers', 'revoke', 'a@b', 'extra')).code).toBe(2);
  });

  it('has --help with a description on every command', () => {
    const program = buildProgram();
    const walk = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(walk)];
    const names = ['cluster', 'template', 'subscribers', 'customers', 'jobs', 'precheck', 'reconcile', 'support', 'unknown-requests'];
    for (const name of names) {
      const group = program.commands.find((c) => c.name() === name);
      expect(group).toBeDefined();
      for (const cmd of walk(group!)) {
        expect(cmd.description()).not.toBe('');
        expect(cmd.helpInformation()).toContain('--help');
      }
    }
  });

  it('reads the store directly when the proxy is not running', async () => {
    await t().stop();
    const list = await cli('template', 'list', '--json');
    expect(list.code).toBe(0);
    expect(list.err).toContain('read-only');
    expect(JSON.parse(list.out)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'west-std' })]));
    const write = await cli('cluster', 'add', 'east');
    expect(write.code).toBe(3);
  });

  it('template show, with the listener on 0.0.0.0 and no public host name, shows localhost and tells the operator to set provisioning.publicHostname', async () => {
    // The empty config keeps the default provisioning.host 0.0.0.0 (the proxy is stopped: the CLI computes the URL).
    const text = await cli('template', 'show', 'west-std');
    expect(text.code).toBe(0);
    expect(text.out).toContain('https://localhost:8443/provisioning/v1/west-std');
    expect(text.err).toMatch(/^warning: .*provisioning\.publicHostname/m);
    const json = await cli('template', 'show', 'west-std', '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      provisioningUrl: 'https://localhost:8443/provisioning/v1/west-std',
      warnings: [expect.stringContaining('provisioning.publicHostname')],
    });

    process.env.IMP_BRIDGE_PUBLIC_HOSTNAME = 'imp.example.net';
    try {
      const named = JSON.parse((await cli('template', 'show', 'west-std', '--json')).out) as Record<string, unknown>;
      expect(named.provisioningUrl).toBe('https://imp.example.net:8443/provisioning/v1/west-std');
      expect(named.warnings).toBeUndefined();
    } finally {
      delete process.env.IMP_BRIDGE_PUBLIC_HOSTNAME;
    }
  });
});
