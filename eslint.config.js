// @ts-check
const eslint = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { importBoundaries } = require('./scripts/lint/import-boundaries');

const ADAPTER_FOLDERS = ['inbound', 'webex', 'store', 'pipeline', 'certs', 'templates', 'admin', 'cli', 'lifecycle', 'operations'];

module.exports = tseslint.config(
  // test/fixtures/lint holds deliberately bad code: the lint test lints it on purpose.
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test/fixtures/lint/', '**/*.js', '!bin/*.js', '!bench/*.js', '!bench/lib/*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // Type-aware rules: the whole recommended set for src/, the promise rules for tests too.
  {
    files: ['src/**/*.ts', 'src/**/*.tsx', 'test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
  },
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({ ...config, files: ['src/**/*.ts', 'src/**/*.tsx'] })),
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      // Parts are createX(deps) factories returning closures, never classes: no method reads
      // `this`, so passing `store.jobs.claim` or `client.people.me` around is safe by design.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The store port is async so the PostgreSQL store can follow; SQLite answers synchronously
    // inside those async implementations, which is the point of the port, not a missing await.
    files: ['src/store/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Preact event handlers may be async (each page catches and shows its own errors); the
    // void-return check stays on everywhere else.
    files: ['src/console/**/*.tsx'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'error', '@typescript-eslint/no-misused-promises': 'error' },
  },
  {
    // Small files and functions (comments and blank lines not counted). A longer one carries an
    // eslint-disable with its reason, and docs/architecture.md lists it.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // A console page is one component whose body is its markup; its logic lives in api.ts/ui.tsx.
    files: ['src/console/**/*.tsx'],
    rules: { 'max-lines-per-function': 'off' },
  },
  ...importBoundaries(__dirname),
  {
    // The domain is pure: besides the zones (relative imports), no adapter package either.
    files: ['src/domain/**/*.ts'],
    rules: {
      // `**/store/**` matches '../store/port' but not the folder's index ('../store'): list both forms.
      'no-restricted-imports': [
        'error',
        { patterns: [...ADAPTER_FOLDERS.flatMap((f) => [`**/${f}`, `**/${f}/**`]), 'express', 'undici', 'better-sqlite3', 'pg'] },
      ],
    },
  },
);
