import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

// The very zones and cycle check `npm run lint` uses (plain JS modules beside the ESLint config).
const { importBoundaries } = require('../../scripts/lint/import-boundaries') as { importBoundaries: (root: string) => ESLint.Options['overrideConfig'] };
const { importGraph, findCycles } = require('../../scripts/lint/import-graph') as {
  importGraph: (dir: string) => Map<string, string[]>;
  findCycles: (graph: Map<string, string[]>) => string[][];
};

const FIXTURES = path.resolve(__dirname, '../fixtures/lint');

/** rule ids reported per fixture file (relative to the fixture's src/). */
async function lintFixtures(): Promise<Record<string, string[]>> {
  const eslint = new ESLint({ cwd: FIXTURES, ignore: false, overrideConfigFile: true, overrideConfig: importBoundaries(FIXTURES) });
  // lintText, not lintFiles: the file search imports modules dynamically, which jest's VM refuses.
  const files = [...importGraph(path.join(FIXTURES, 'src')).keys()];
  const results = (await Promise.all(files.map((filePath) => eslint.lintText(fs.readFileSync(filePath, 'utf8'), { filePath })))).flat();
  const byFile: Record<string, string[]> = {};
  for (const result of results) {
    byFile[path.relative(path.join(FIXTURES, 'src'), result.filePath)] = result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
  }
  return byFile;
}

describe('npm run lint refuses import cycles and boundary violations (deliberately bad fixtures)', () => {
  let reported: Record<string, string[]>;
  beforeAll(async () => {
    reported = await lintFixtures();
  }, 120_000);

  test('a value import cycle is an import-x/no-cycle error on both files', () => {
    expect(reported['pipeline/cycle-a.ts']).toEqual(['import-x/no-cycle']);
    expect(reported['pipeline/cycle-b.ts']).toEqual(['import-x/no-cycle']);
  });

  test('boundary violations are import-x/no-restricted-paths errors', () => {
    expect(reported['domain/impure.ts']).toEqual(['import-x/no-restricted-paths']);
    expect(reported['certs/routes.ts']).toEqual(['import-x/no-restricted-paths']);
    expect(reported['operations/uses-express.ts']).toEqual(expect.arrayContaining(['import-x/no-restricted-paths']));
    expect(reported['pipeline/uses-webex.ts']).toEqual(['import-x/no-restricted-paths']);
    expect(reported['webex/imports-main.ts']).toEqual(['import-x/no-restricted-paths']);
  });

  test('an allowed import and a type-only cycle pass ESLint (no-cycle skips `import type`)', () => {
    expect(reported['pipeline/clean.ts']).toEqual([]);
    expect(reported['cli/commands/serve-command.ts']).toEqual([]);
    expect(reported['pipeline/type-cycle-c.ts']).toEqual([]);
  });

  test('the type-only cycle is found by the import graph check, and src/ has none', () => {
    const cycles = findCycles(importGraph(path.join(FIXTURES, 'src'))).map((c) => c.map((f) => path.basename(f)));
    expect(cycles).toEqual(
      expect.arrayContaining([
        ['cycle-a.ts', 'cycle-b.ts'],
        ['type-cycle-c.ts', 'type-cycle-d.ts'],
      ]),
    );
    expect(cycles).toHaveLength(2);
    expect(findCycles(importGraph(path.resolve(__dirname, '../../src')))).toEqual([]);
  });
});
