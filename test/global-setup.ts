import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
// Several jest runs may start together on one tree: one build at a time, the others wait for it.
const LOCK = path.join(os.tmpdir(), `impb-dist-build-${Buffer.from(ROOT).toString('hex').slice(-32)}.lock`);
const LOCK_WAIT_MS = 180_000;

/**
 * Source files whose compiled file in dist/ is missing or older than the source (an mtime
 * scan of ~200 files: a few milliseconds). Empty when dist/ is current.
 */
export function staleDistFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      // src/console is the browser app: Vite builds it into dist/console, tsc does not.
      if (entry.isDirectory()) {
        if (full !== path.join(SRC, 'console')) walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = path.join(DIST, path.relative(SRC, full)).replace(/\.ts$/, '.js');
        const built = fs.statSync(out, { throwIfNoEntry: false });
        if (!built || built.mtimeMs < fs.statSync(full).mtimeMs) stale.push(path.relative(ROOT, full));
      }
    }
  };
  walk(SRC);
  return stale;
}

function takeLock(): boolean {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      return true;
    } catch {
      // A lock left by a killed run would block every later run: older than the wait, it is dead.
      const held = fs.statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_WAIT_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
}

/** Builds dist/ unless it is current; answers what went wrong, or undefined. */
function buildIfStale(): string | undefined {
  if (!staleDistFiles().length) return undefined;
  if (!takeLock()) return 'another build of dist/ did not finish in time';
  try {
    if (!staleDistFiles().length) return undefined;
    process.stderr.write('\n[dist] dist/ is missing or older than src/: building (tsc -p tsconfig.build.json)\n');
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    // tsc still emits on type errors, so a failed check leaves dist/ current; only say so.
    return res.status === 0 ? undefined : `tsc -p tsconfig.build.json failed:\n${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}`;
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * For the tests that spawn dist/: builds again when a source changed since the globalSetup
 * build, and fails (never skips) when dist/ is still missing or older than src/.
 */
export function ensureDistFresh(): void {
  const problem = buildIfStale();
  const stale = staleDistFiles();
  if (stale.length) {
    throw new Error(
      `dist/ is missing or older than src/ (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}); ${problem ?? 'a source changed during the build'}: run "npm run build"`,
    );
  }
}

/**
 * `npm test` builds before jest; a plain `npx jest` did not, so the crash tests ran a stale
 * dist/ after a source edit (or skipped without dist/). Build here when dist/ is not current.
 * A failed build is reported but does not stop the run: only the tests that spawn dist/ need
 * it, and they fail on their own (ensureDistFresh) if it is still not current.
 */
export default function globalSetup(): void {
  const problem = buildIfStale();
  if (problem) process.stderr.write(`\n[dist] ${problem}\n`);
}
