// @ts-check
// Plain ESM rather than jest.config.ts: on Node 20 Jest can only read a TypeScript config through
// ts-node or esbuild-register, and neither is a dependency of the workspace.
import presets from 'jest-preset-angular/presets/index.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { createCjsPreset } = presets;
const here = dirname(fileURLToPath(import.meta.url));

/** @type {import('jest').Config} */
export default {
  ...createCjsPreset({ tsconfig: join(here, 'tsconfig.spec.json') }),
  displayName: 'frontend',
  rootDir: here,
  roots: ['<rootDir>/src'],
  testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  moduleNameMapper: {
    '^@wardtrack/contracts$': join(here, '../backend/src/contracts/index.ts'),
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  clearMocks: true,
  restoreMocks: true,
};
