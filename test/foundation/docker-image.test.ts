import fs from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '..', '..');

/** .dockerignore semantics that matter here: patterns in order, the last match wins, `!` re-includes, a match on a folder covers what is inside. */
function ignored(file: string): boolean {
  const patterns = fs
    .readFileSync(path.join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let result = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*')}(/.*)?$`,
    );
    if (re.test(file)) result = !negated;
  }
  return result;
}

describe('the Docker image', () => {
  it('never receives a local config or data (secrets) in its build context', () => {
    expect(ignored('config/imp-bridge.yaml')).toBe(true);
    expect(ignored('config/local.yaml')).toBe(true);
    expect(ignored('data/imp-bridge.sqlite')).toBe(true);
    expect(ignored('data/admin-token')).toBe(true);
    expect(ignored('config/imp-bridge.example.yaml')).toBe(false);
    expect(ignored('src/main.ts')).toBe(false);
  });

  it('copies only the example config into the run stage', () => {
    const copies = fs
      .readFileSync(path.join(repo, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((l) => /^COPY\s/.test(l) && !l.includes('--from=') && /\bconfig\b/.test(l));
    expect(copies).toEqual(['COPY config/imp-bridge.example.yaml ./config/']);
  });
});
