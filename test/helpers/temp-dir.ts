import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory per test; removed by the returned cleanup. */
export function makeTempDir(prefix = 'impb-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh directory for each test of the enclosing block (beforeEach), removed after it (afterEach). */
export function tempDirPerTest(prefix?: string): { readonly dir: string } {
  let temp: ReturnType<typeof makeTempDir> | undefined;
  beforeEach(() => {
    temp = makeTempDir(prefix);
  });
  afterEach(() => temp?.cleanup());
  return {
    get dir() {
      if (!temp) throw new Error('the directory is made in beforeEach');
      return temp.dir;
    },
  };
}
