/**
 * Jest for mutation testing (`npm run test:mutation`): the decision-core tests only. They are pure (no moto,
 * no AWS), so the global setup that starts moto is left out, and every mutant runs in seconds.
 */
const base = require('./jest.config.js');

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  roots: ['<rootDir>/test/lambdas/core'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 120000,
};
