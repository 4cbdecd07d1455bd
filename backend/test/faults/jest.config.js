// @ts-check
/**
 * Fault tests (`npm run test:faults`): the built server as separate api and worker processes,
 * each scenario on its own Redis (and, for the PostgreSQL restart, its own PostgreSQL cluster)
 * started by the test, faults injected under load. Plain JS: a .ts config would need ts-node.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'faults',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.fault-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.spec.json' }],
  },
  moduleNameMapper: {
    '^@wardtrack/contracts$': '<rootDir>/../../src/contracts/index.ts',
    '^@backend/(.*)$': '<rootDir>/../../src/$1',
  },
  // One scenario at a time: each loads the whole (2-core) machine on purpose.
  maxWorkers: 1,
  testTimeout: 120_000,
};
