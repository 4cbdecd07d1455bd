// @ts-check
/**
 * Unit tests beside the code (src/**\/*.spec.ts) and integration tests against real
 * PostgreSQL and Redis (test/**\/*.e2e-spec.ts). Plain JS: a .ts config would need ts-node.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'backend',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleNameMapper: {
    '^@wardtrack/contracts$': '<rootDir>/src/contracts/index.ts',
    '^@backend/(.*)$': '<rootDir>/src/$1',
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30_000,
};
