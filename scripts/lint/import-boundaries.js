// @ts-check
'use strict';
/**
 * Who may import whom in src/: the zones `npm run lint` enforces (import-x/no-restricted-paths)
 * and the table in docs/architecture.md says in words. Kept in one module so the lint test
 * (test/foundation/lint-rules.test.ts) checks these very zones against deliberately bad fixtures.
 */
const importX = require('eslint-plugin-import-x');
const tseslint = require('typescript-eslint');
const { createTypeScriptImportResolver } = require('eslint-import-resolver-typescript');

/** Every part except the ones listed, as `./src/<part>` paths. */
const ALL_PARTS = [
  'admin',
  'certs',
  'cli',
  'config',
  'console',
  'domain',
  'errors',
  'inbound',
  'lifecycle',
  'observability',
  'operations',
  'pipeline',
  'store',
  'templates',
  'webex',
];
const parts = (...names) => names.map((n) => `./src/${n}`);
const allBut = (...names) => parts(...ALL_PARTS.filter((n) => !names.includes(n)));

/** [target part(s), forbidden imports, why] — the same rows as the table in docs/architecture.md. */
const ZONES = [
  { target: parts('domain'), from: allBut('domain'), message: 'domain is pure: it imports only its own files and node: built-ins' },
  { target: parts('errors'), from: allBut('errors'), message: 'errors is the base every part builds on: it imports nothing of src/' },
  { target: parts('observability'), from: allBut('observability', 'errors'), message: 'observability imports only errors' },
  {
    target: parts('lifecycle'),
    from: allBut('lifecycle'),
    message: 'lifecycle holds neutral shapes (Closer, ReadinessCheck, drain): it imports nothing of src/',
  },
  {
    target: parts('certs', 'webex'),
    from: parts('admin', 'operations', 'cli'),
    message: 'certs and webex do not import the admin API, the use cases or the CLI: admin/routes mounts their operations',
  },
  {
    target: parts('store'),
    from: parts('pipeline', 'inbound', 'certs', 'templates', 'admin', 'operations', 'cli'),
    message: 'the store implements its port; it does not import the parts that use it',
  },
  {
    target: parts('pipeline'),
    from: parts('webex', 'inbound', 'certs', 'admin', 'operations', 'cli'),
    message: 'the pipeline declares the Webex port it needs (pipeline/webex-port.ts); it imports neither webex nor inbound',
  },
  {
    target: parts('inbound'),
    from: parts('admin', 'pipeline', 'webex', 'operations', 'cli'),
    message: 'inbound stores what it accepts through the store port; it does not import admin, pipeline or webex',
  },
  {
    target: parts('templates'),
    from: parts('admin', 'operations', 'cli', 'pipeline', 'webex', 'inbound'),
    message: 'templates sits on domain and the store port',
  },
  { target: parts('operations'), from: parts('admin', 'cli'), message: 'use cases are called by the admin API and the CLI, never the other way round' },
  { target: ['./src/**/!(serve-command).{ts,tsx}'], from: ['./src/main.ts'], message: 'only the composition root (and the CLI serve command) imports main.ts' },
];

/**
 * The import rules as flat-config entries for TypeScript files under `root` (the repository;
 * the test passes a fixture tree shaped like it).
 */
function importBoundaries(root, files = ['src/**/*.ts', 'src/**/*.tsx']) {
  return [
    {
      ...importX.flatConfigs.typescript,
      files,
      languageOptions: { parser: tseslint.parser },
      settings: {
        ...importX.flatConfigs.typescript.settings,
        'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
      },
      rules: {
        // Value cycles; type-only ones are found by scripts/lint/import-graph.js (no-cycle skips `import type`).
        'import-x/no-cycle': 'error',
        'import-x/no-restricted-paths': ['error', { basePath: root, zones: ZONES }],
      },
    },
    {
      // The use cases are transport-free: no express, so the CLI can call them without an HTTP stack.
      files: ['src/operations/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: ['express'], patterns: ['**/admin', '**/admin/**'] }] },
    },
  ];
}

module.exports = { importBoundaries, ZONES };
