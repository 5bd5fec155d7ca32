/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker keeps what each suite loads globally (FHIR type schemas, validators, servers' modules); past ~80 suites
  // it reached Node's 4 GB heap and was killed (CI, issue 11). Jest restarts a worker above this after a suite.
  workerIdleMemoryLimit: '1536MB',
};
