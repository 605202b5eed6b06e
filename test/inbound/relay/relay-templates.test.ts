import { runCliCaptured } from '../../cli/cli-harness';
import { pointCliAt, startTestBridge, type TestBridge } from '../../helpers/start-bridge';

const cli = runCliCaptured;

describe('template modes through the CLI and the admin API', () => {
  const saved = { ...process.env };
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({});
    pointCliAt(t);
  });
  afterAll(async () => {
    await t.stop();
    process.env = saved;
  });
  const base = ['--provisioning-id', 'pid-1', '--package', 'standard', '--username', 'relay-as'];

  it('refuses a relay template without a usable upstream, naming the flag', async () => {
    const none = await cli('template', 'add', 'r0', '--mode', 'relay', ...base);
    expect(none.code).toBe(2);
    expect(none.err).toContain('upstream.url: required when mode is relay (--upstream-url)');
    const plain = await cli('template', 'add', 'r0', '--mode', 'relay', '--upstream-url', 'http://prov.example.net/p', ...base);
    expect(plain.code).toBe(2);
    expect(plain.err).toContain('plain http:// is allowed only to a loopback address');
    const badMode = await cli('template', 'add', 'r0', '--mode', 'relais', ...base);
    expect(badMode.code).toBe(2);
    expect(badMode.err).toContain('did you mean "relay"');
  });

  it('creates a relay template with a basic upstream account that is never shown, and edits one key at a time', async () => {
    process.env.IMPB_TEST_UPSTREAM_PASSWORD = 'Upstream-Secret-77';
    const added = await cli(
      'template',
      'add',
      'r1',
      '--mode',
      'relay',
      '--upstream-url',
      'https://prov.example.net/p',
      '--upstream-auth',
      'basic',
      '--upstream-user',
      'up',
      '--upstream-password-env',
      'IMPB_TEST_UPSTREAM_PASSWORD',
      ...base,
    );
    expect(added.code).toBe(0);
    const shown = await cli('template', 'show', 'r1', '--json');
    const view = JSON.parse(shown.out) as Record<string, unknown>;
    expect(view).toMatchObject({
      mode: 'relay',
      upstream: {
        url: 'https://prov.example.net/p',
        auth: 'basic',
        username: 'up',
        passwordSet: true,
        onFailure: 'passthrough',
      },
    });
    expect(shown.out + added.out + added.err + t.logText()).not.toContain('Upstream-Secret-77');
    const edited = await cli('template', 'edit', 'r1', '--upstream-timeout-ms', '5000', '--on-failure', 'passthrough');
    expect(edited.code).toBe(0);
    const after = JSON.parse((await cli('template', 'show', 'r1', '--json')).out) as {
      upstream: Record<string, unknown>;
    };
    expect(after.upstream).toMatchObject({
      url: 'https://prov.example.net/p',
      auth: 'basic',
      username: 'up',
      passwordSet: true,
      timeoutMs: 5000,
    });
    const stored = await t.bridge.parts.store.templates.get('r1');
    expect(stored!.upstream!.password).toBe('Upstream-Secret-77');
    const audit = await t.bridge.parts.store.audit.list({ entityType: 'template', entityId: 'r1', limit: 50 });
    expect(audit.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit)).not.toContain('Upstream-Secret-77');
  });

  it('set-mode provision is refused while the coverage shows gaps, and --force prints what the switch means', async () => {
    await cli('template', 'add', 'r2', '--mode', 'shadow', '--upstream-url', 'https://prov.example.net/p', ...base);
    const refused = await cli('template', 'set-mode', 'r2', 'provision');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('template r2 stays in shadow mode: the dialect coverage shows gaps');
    expect((await t.bridge.parts.store.templates.get('r2'))!.mode).toBe('shadow');
    const forced = await cli('template', 'set-mode', 'r2', 'provision', '--force');
    expect(forced.code).toBe(0);
    expect(forced.out).toContain('The AS stays pointed at imp-bridge');
    expect(forced.out).toContain('the Webex calls now come from imp-bridge, with its own credentials');
    expect((await t.bridge.parts.store.templates.get('r2'))!.mode).toBe('provision');
    const back = await cli('template', 'set-mode', 'r2', 'relay');
    expect(back).toMatchObject({ code: 0 });
    expect(back.out).toContain('template r2: provision → relay');
    expect((await cli('template', 'set-mode', 'r2', 'sideways')).code).toBe(2);
  });
});
