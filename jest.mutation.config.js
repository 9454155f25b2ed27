/**
 * Jest for mutation testing (`npm run test:mutation`): the decision-core tests only. They are pure (no moto,
 * no AWS), so the global setup that starts moto is left out.
 * The transform comes from jest.config.js's `unit` project (the top level there only lists projects): without
 * ts-jest, jest falls back to babel, which cannot parse TypeScript.
 */
const base = require('./jest.config.js');

const unit = base.projects.find((p) => p.displayName === 'unit');
if (unit === undefined) throw new Error('jest.config.js has no project named "unit" to take the transform from');

module.exports = {
  testEnvironment: unit.testEnvironment,
  transform: unit.transform,
  transformIgnorePatterns: unit.transformIgnorePatterns,
  setupFiles: [...unit.setupFiles, '<rootDir>/test/lambdas/core/mutation.setup.ts'],
  roots: ['<rootDir>/test/lambdas/core'],
  // One file that loads the core test files (see it for which and why): one module registry per mutant run.
  testMatch: ['**/all.mutation.ts'],
  testTimeout: 120000,
};
