import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main';
import { ENV_OVERRIDES, loadConfig } from '../../src/config';

const repo = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  expose?: string[];
}

/** The Deploying section of the README: the services its table names. */
function servicesNamedInReadme(): string[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('\n## Deploying'), readme.indexOf('\n## ', readme.indexOf('\n## Deploying') + 1));
  return [...section.matchAll(/^\s*\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]!);
}

/** Compose's `${VAR:-default}` / `${VAR:?message}` as `docker compose` would resolve them with no VAR set. */
const interpolate = (value: string, env: Record<string, string> = {}) =>
  value.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, name: string, fallback?: string) => env[name] ?? fallback ?? `<${name}>`);

/** [Section] Key=Value, repeated keys kept in order. */
function parseUnit(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit line: ${line}`);
    current.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

describe('deployment files', () => {
  const commands = buildProgram().commands.map((c) => c.name());
  const knownEnv = new Set([...Object.keys(ENV_OVERRIDES), 'IMP_BRIDGE_CONFIG', 'NODE_ENV']);

  describe('docker-compose.yml', () => {
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

    it('has exactly the services the README names, built from the Dockerfile beside it', () => {
      expect(servicesNamedInReadme().sort()).toEqual(['imp-bridge', 'webex-simulator']);
      expect(Object.keys(compose.services).sort()).toEqual(servicesNamedInReadme().sort());
      for (const service of Object.values(compose.services)) {
        expect(service.build).toBe('.');
        expect(fs.existsSync(path.join(repo, service.build!, 'Dockerfile'))).toBe(true);
      }
    });

    it('wires the proxy’s Webex base URL and token to the simulator service', () => {
      const sim = compose.services['webex-simulator']!;
      const proxy = compose.services['imp-bridge']!;
      const argv = sim.command!.map((a) => interpolate(a));
      expect(argv.slice(0, 3)).toEqual(['node', 'bin/imp-bridge.js', 'simulate-webex']);
      expect(fs.existsSync(path.join(repo, argv[1]!))).toBe(true);
      expect(commands).toContain(argv[2]);
      const opt = (name: string) => argv[argv.indexOf(name) + 1];
      expect(opt('--host')).toBe('0.0.0.0');
      const base = new URL(interpolate(proxy.environment!.IMP_BRIDGE_WEBEX_BASE_URL!));
      expect(base.hostname).toBe('webex-simulator');
      expect(base.port).toBe(opt('--port'));
      expect(base.pathname).toBe('/v1');
      expect(sim.expose).toContain(opt('--port'));
      // The image's HEALTHCHECK asks the proxy's /healthz, which the simulator does not serve.
      expect((sim as { healthcheck?: { disable?: boolean } }).healthcheck).toEqual({ disable: true });
      expect(interpolate(proxy.environment!.IMP_BRIDGE_WEBEX_TOKEN!)).toBe(opt('--token'));
    });

    it('gives the proxy a valid configuration, the image’s ports and the data volume', () => {
      const proxy = compose.services['imp-bridge']!;
      const env = Object.fromEntries(
        Object.entries(proxy.environment!).map(([k, v]) => [k, interpolate(String(v), { IMP_BRIDGE_ADMIN_TOKEN: 'an-admin-token-for-the-test' })]),
      );
      for (const name of Object.keys(env)) expect(knownEnv).toContain(name);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
      const emptyConfig = path.join(dir, 'empty.yaml');
      fs.writeFileSync(emptyConfig, '');
      const { config } = loadConfig({ env: { ...env, IMP_BRIDGE_CONFIG: emptyConfig } });
      fs.rmSync(dir, { recursive: true, force: true });
      expect(config.webex.baseUrl).toBe('http://webex-simulator:8080/v1');
      const dockerfile = read('Dockerfile');
      const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/);
      for (const mapping of proxy.ports!) expect(exposed).toContain(mapping.split(':').pop());
      expect(proxy.ports!.map((p) => p.split(':').pop())).toEqual(expect.arrayContaining([String(config.provisioning.port), String(config.admin.port)]));
      const [volume, mountPoint] = proxy.volumes![0]!.split(':');
      expect(mountPoint).toBe(config.dataDir);
      expect(dockerfile).toContain(`VOLUME ["${mountPoint}"]`);
      expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    });
  });

  describe('deploy/imp-bridge.service', () => {
    const unit = parseUnit(read('deploy/imp-bridge.service'));
    const service = new Map(unit.get('Service'));
    const all = (key: string) =>
      unit
        .get('Service')!
        .filter(([k]) => k === key)
        .map(([, v]) => v);

    it('starts the package’s real bin with a command the CLI has', () => {
      const [node, script, ...args] = service.get('ExecStart')!.split(/\s+/);
      expect(path.isAbsolute(node!)).toBe(true);
      expect(path.basename(node!)).toBe('node');
      const root = service.get('WorkingDirectory')!;
      expect(script!.startsWith(`${root}/`)).toBe(true);
      const relative = script!.slice(root.length + 1);
      const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
      expect(path.normalize(pkg.bin['imp-bridge']!)).toBe(relative);
      expect(fs.existsSync(path.join(repo, relative))).toBe(true);
      expect(args).toEqual(['start']);
      expect(commands).toContain('start');
    });

    it('runs as a dedicated user with its state directory, the env file, a restart policy and hardening', () => {
      expect(service.get('User')).toBe('imp-bridge');
      expect(service.get('StateDirectory')).toBe('imp-bridge');
      expect(service.get('StateDirectoryMode')).toBe('0700');
      expect(all('Environment')).toContain('IMP_BRIDGE_DATA_DIR=/var/lib/imp-bridge');
      expect(service.get('EnvironmentFile')).toBe('/etc/imp-bridge/imp-bridge.env');
      expect(service.get('Restart')).toBe('on-failure');
      expect(service.get('RestartPreventExitStatus')).toBe('2');
      expect(Number.parseInt(service.get('TimeoutStopSec')!, 10)).toBeGreaterThanOrEqual(15);
      for (const [key, value] of [
        ['NoNewPrivileges', 'yes'],
        ['ProtectSystem', 'strict'],
        ['ProtectHome', 'yes'],
        ['PrivateTmp', 'yes'],
        ['CapabilityBoundingSet', ''],
        ['SystemCallFilter', '@system-service'],
        ['UMask', '0077'],
      ]) {
        expect([key, service.get(key!)]).toEqual([key, value]);
      }
      expect(unit.get('Install')).toEqual([['WantedBy', 'multi-user.target']]);
    });

    it('ships an example env file whose variables the proxy knows', () => {
      const names = read('deploy/imp-bridge.env.example')
        .split('\n')
        .map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined);
      expect(names.length).toBeGreaterThan(3);
      for (const name of names) expect(knownEnv).toContain(name);
    });
  });

  describe('deploy/haproxy.cfg', () => {
    const cfg = read('deploy/haproxy.cfg');
    const haproxy = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((file) => fs.existsSync(file));
    if (!haproxy) {
      if (process.env.IMP_BRIDGE_REQUIRE_HAPROXY === '1')
        throw new Error('IMP_BRIDGE_REQUIRE_HAPROXY=1 but haproxy is not installed (apt-get install -y haproxy)');
      console.warn('SKIPPED: haproxy is not installed, so deploy/haproxy.cfg is not checked by haproxy -c (apt-get install -y haproxy)');
    }
    (haproxy ? it : it.skip)('is a configuration HAProxy accepts', () => {
      const check = spawnSync(haproxy!, ['-c', '-f', path.join(repo, 'deploy/haproxy.cfg')], { encoding: 'utf8' });
      expect({ status: check.status, output: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, output: 'Configuration file is valid' });
    });

    it('passes TCP through to the provisioning port and checks /readyz on the admin port, as the README shows', () => {
      const { config } = loadConfig({ env: {} });
      expect(cfg).toMatch(/^\s*mode tcp$/m);
      expect(cfg).not.toMatch(/\bssl\b/);
      expect(cfg).toMatch(new RegExp(`bind :${config.provisioning.port}$`, 'm'));
      expect(cfg).toMatch(/http-check send meth GET uri \/readyz /);
      const checked = [...cfg.matchAll(/^\s*server (\S+) (\S+) check port (\d+)$/gm)];
      expect(checked.length).toBeGreaterThanOrEqual(2);
      for (const [, , address, port] of checked) {
        expect(address!.endsWith(`:${config.provisioning.port}`)).toBe(true);
        expect(port).toBe(String(config.admin.port));
      }
      const readme = read('README.md');
      const start = readme.indexOf('\n## Running several instances');
      const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
      const shown = section.split('\n').filter((l) => /^\s+(option|http-check|balance|default-server|server) /.test(l));
      expect(shown.length).toBeGreaterThan(5);
      for (const line of shown) expect(cfg).toContain(line.trim());
    });
  });
});
