// @ts-check
/**
 * Browser tests: the built app on embedded defaults, driven in headless Chromium (the system's
 * /usr/bin/chromium through playwright-core; no browser download). Screenshots go to test-results/.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'browser',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.e2e.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: { '^@wardtrack/contracts$': '<rootDir>/../../backend/src/contracts/index.ts' },
  testTimeout: 90_000,
  maxWorkers: 1,
};
