/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `tsc --noEmit` in CI; tests only transpile, which keeps them fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 30000,
  // Builds dist/ when it is missing or older than src/: some tests spawn the compiled product.
  globalSetup: '<rootDir>/test/global-setup.ts',
  // Component tests open real sockets and child processes: two workers fit the 2-core machines.
  maxWorkers: 2,
};
