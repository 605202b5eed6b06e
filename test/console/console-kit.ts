import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');
/**
 * Every run takes the screenshots (a page that fails to render fails the test); they replace
 * the committed ones in docs/console only with IMP_BRIDGE_UPDATE_SCREENSHOTS=1, so an ordinary
 * run (CI included) leaves the working tree clean.
 */
export const SCREENSHOT_DIR =
  process.env.IMP_BRIDGE_UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'console') : fs.mkdtempSync(path.join(os.tmpdir(), 'impb-console-shots-'));

/** Debian's chromium (never a downloaded browser): IMP_BRIDGE_CHROMIUM, else `chromium` on the PATH. */
export function findChromium(): string | undefined {
  // Set, it is the only candidate (a wrong path is how the skip and the CI failure are checked).
  const chosen = process.env.IMP_BRIDGE_CHROMIUM;
  if (chosen) return fs.existsSync(chosen) ? chosen : undefined;
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p) => fs.existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `describe` when a browser exists; otherwise ONE loud line and a skip — or a failure when
 * IMP_BRIDGE_REQUIRE_BROWSER=1 (CI), so a missing browser can never pass silently there.
 */
export function describeWithBrowser(name: string, body: (executablePath: string) => void): void {
  const executablePath = findChromium();
  if (executablePath) {
    describe(name, () => body(executablePath));
    return;
  }
  if (process.env.IMP_BRIDGE_REQUIRE_BROWSER === '1') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error('IMP_BRIDGE_REQUIRE_BROWSER=1 but no Chromium found: apt-get install -y chromium (or set IMP_BRIDGE_CHROMIUM)');
      });
    });
    return;
  }
  process.stderr.write(`\n!!! SKIPPED: console browser tests (${name}): no Chromium found (apt-get install -y chromium); CI fails here instead\n`);
  describe.skip(name, () => body(''));
}

/** Launch flags of the issue; Playwright's launch() gives every browser a new empty profile dir. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dist/console with Vite when it is missing or older than src/console (as `npm run build` does). */
export function ensureConsoleBuilt(): void {
  const index = path.join(ROOT, 'dist', 'console', 'index.html');
  const built = fs.statSync(index, { throwIfNoEntry: false });
  if (built && built.mtimeMs >= newestMtime(path.join(ROOT, 'src', 'console'))) return;
  // vite's package exports do not include its bin: take it from node_modules.
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const res = spawnSync(process.execPath, [vite, 'build', '--config', path.join(ROOT, 'src', 'console', 'vite.config.mjs'), '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`vite build failed:\n${res.stdout}${res.stderr}`);
}

export interface OutsideCa {
  dir: string;
  certPem: string;
  keyFile: string;
  certFile: string;
}

/** A CA that has nothing to do with the proxy, made by openssl as an operator's PKI would. */
export function makeOutsideCa(dir: string, name = 'Outside Test CA'): OutsideCa {
  const keyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'ca.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { stdio: 'ignore' },
  );
  return { dir, certPem: fs.readFileSync(certFile, 'utf8'), keyFile, certFile };
}

/** Signs a CSR with the outside CA through openssl, with the host names as SANs. */
export function opensslSign(ca: OutsideCa, csrPem: string, hostNames: string[]): string {
  const csrFile = path.join(ca.dir, 'server.csr');
  const extFile = path.join(ca.dir, 'server.ext');
  const outFile = path.join(ca.dir, 'server.pem');
  fs.writeFileSync(csrFile, csrPem);
  fs.writeFileSync(
    extFile,
    `subjectAltName=${hostNames.map((h) => `DNS:${h}`).join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
  );
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '20', '-extfile', extFile, '-out', outFile],
    { stdio: 'ignore' },
  );
  return fs.readFileSync(outFile, 'utf8');
}
