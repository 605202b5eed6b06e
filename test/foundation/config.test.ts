import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, redactConfig } from '../../src/config';
import { renderConfigReference } from '../../src/config/config-reference';
import { isImpbError } from '../../src/errors';
import { makeTempDir } from '../helpers/temp-dir';

const repo = path.resolve(__dirname, '..', '..');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isImpbError(err, 'IMPB_ERR_CONFIG_INVALID')) return err.details.problems as string[];
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  it('starts from embedded defaults when no file exists', () => {
    const { config, source } = loadConfig({ env: {}, cwd: temp.dir });
    expect(source).toBeUndefined();
    expect(config.provisioning.port).toBe(8443);
    expect(config.provisioning.host).toBe('0.0.0.0');
    expect(config.admin).toMatchObject({ host: '127.0.0.1', port: 9090 });
    expect(config.provisioning.clientCertificate).toBe('required');
    expect(config.tls.minVersion).toBe('TLSv1.2');
    expect(config.dataDir).toBe(path.join(temp.dir, 'data'));
  });

  it('applies IMP_BRIDGE_* overrides over the file', () => {
    fs.mkdirSync(path.join(temp.dir, 'config'));
    fs.writeFileSync(path.join(temp.dir, 'config', 'imp-bridge.yaml'), 'provisioning:\n  port: 1111\nlogLevel: warn\n');
    const { config, source } = loadConfig({
      cwd: temp.dir,
      env: {
        IMP_BRIDGE_PORT: '2222',
        IMP_BRIDGE_ADMIN_PORT: '3333',
        IMP_BRIDGE_DATA_DIR: '/var/lib/impb',
        IMP_BRIDGE_WEBEX_BASE_URL: 'https://webex.example.net/v1',
        IMP_BRIDGE_WEBEX_TOKEN: 'tok-123456',
        IMP_BRIDGE_LOG_LEVEL: 'debug',
      },
    });
    expect(source).toBe(path.join(temp.dir, 'config', 'imp-bridge.yaml'));
    expect(config.provisioning.port).toBe(2222);
    expect(config.admin.port).toBe(3333);
    expect(config.dataDir).toBe('/var/lib/impb');
    expect(config.webex.baseUrl).toBe('https://webex.example.net/v1');
    expect(config.webex.token).toBe('tok-123456');
    expect(config.logLevel).toBe('debug');
  });

  it('reads the file named by IMP_BRIDGE_CONFIG and refuses a missing one', () => {
    const file = path.join(temp.dir, 'elsewhere.yaml');
    fs.writeFileSync(file, 'admin:\n  port: 9999\n');
    expect(loadConfig({ cwd: temp.dir, env: { IMP_BRIDGE_CONFIG: file } }).config.admin.port).toBe(9999);
    const problems = problemsOf(() => loadConfig({ cwd: temp.dir, env: { IMP_BRIDGE_CONFIG: path.join(temp.dir, 'nope.yaml') } }));
    expect(problems[0]).toMatch(/IMP_BRIDGE_CONFIG: file not found/);
  });

  it('names the key, the variable and the value for an invalid port', () => {
    const problems = problemsOf(() => loadConfig({ cwd: temp.dir, env: { IMP_BRIDGE_PORT: 'abc' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^provisioning\.port \(from IMP_BRIDGE_PORT\): .*port.*got "abc"$/);
  });

  it('reports one line per problem', () => {
    fs.mkdirSync(path.join(temp.dir, 'config'));
    fs.writeFileSync(
      path.join(temp.dir, 'config', 'imp-bridge.yaml'),
      'logLevel: loud\nprovisioning:\n  clientCertificate: maybe\ntls:\n  keyType: ec-p256\nwebex:\n  baseUrl: not a url\n',
    );
    const problems = problemsOf(() => loadConfig({ cwd: temp.dir, env: { IMP_BRIDGE_ADMIN_PORT: '70000' } }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['logLevel', 'provisioning.clientCertificate', 'tls.keyType', 'webex.baseUrl', 'admin.port (from IMP_BRIDGE_ADMIN_PORT)']),
    );
    expect(problems).toHaveLength(5);
  });

  it('refuses a provisioning password longer than the AS can store', () => {
    fs.mkdirSync(path.join(temp.dir, 'config'));
    fs.writeFileSync(
      path.join(temp.dir, 'config', 'imp-bridge.yaml'),
      'templates:\n  - name: t1\n    provisioningId: p\n    package: standard\n    account: { username: u, password: "123456789012345678901" }\n',
    );
    const problems = problemsOf(() => loadConfig({ cwd: temp.dir, env: {} }));
    expect(problems[0]).toMatch(/^templates\.0\.account\.password: .*20 characters/);
  });

  it('refuses YAML that is not a mapping', () => {
    fs.mkdirSync(path.join(temp.dir, 'config'));
    fs.writeFileSync(path.join(temp.dir, 'config', 'imp-bridge.yaml'), '- a\n- b\n');
    expect(problemsOf(() => loadConfig({ cwd: temp.dir, env: {} }))[0]).toMatch(/expected a mapping/);
  });

  it('accepts the committed annotated example', () => {
    const { config } = loadConfig({ cwd: repo, env: { IMP_BRIDGE_CONFIG: 'config/imp-bridge.example.yaml' } });
    expect(config.templates.map((t) => t.name)).toEqual(['acme-standard', 'wholesale-calling']);
  });

  it('redacts every secret of the effective config', () => {
    const { config } = loadConfig({
      cwd: temp.dir,
      env: { IMP_BRIDGE_WEBEX_TOKEN: 'super-secret-webex-token', IMP_BRIDGE_ADMIN_TOKEN: 'super-secret-admin-token' },
      overrides: {
        webex: { oauth: { clientId: 'cid', clientSecret: 'oauth-client-secret', refreshToken: 'oauth-refresh-token' } },
        templates: [{ name: 't1', provisioningId: 'p', package: 'standard', account: { username: 'u', password: 'template-password' } }],
      },
    });
    const text = JSON.stringify(redactConfig(config));
    for (const secret of ['super-secret-webex-token', 'super-secret-admin-token', 'oauth-client-secret', 'oauth-refresh-token', 'template-password']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"clientId":"cid"');
  });

  it('README configuration table matches the schema', () => {
    const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
    expect(readme).toContain(renderConfigReference());
  });
});
