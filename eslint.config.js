// @ts-check
const eslint = require('@eslint/js');
const tseslint = require('typescript-eslint');

const ADAPTER_FOLDERS = ['inbound', 'webex', 'store', 'pipeline', 'certs', 'templates', 'admin', 'cli', 'lifecycle'];

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '**/*.js', '!bin/*.js', '!bench/*.js'] },
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
  {
    // The domain is pure: it may not import an adapter.
    files: ['src/domain/**/*.ts'],
    rules: {
      // `**/store/**` matches '../store/port' but not the folder's index ('../store'): list both forms.
      'no-restricted-imports': ['error', { patterns: [...ADAPTER_FOLDERS.flatMap((f) => [`**/${f}`, `**/${f}/**`]), 'express', 'undici', 'better-sqlite3'] }],
    },
  },
);
