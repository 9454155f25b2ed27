/**
 * Jest runs every *.test.ts under test/, in two projects:
 * - `unit`: everything that needs nothing but Node (config, constructs, stacks, decision core, review, ...);
 * - `aws`: the tests that make real SDK calls against a local moto_server. Only this project's global setup
 *   starts moto, and jest runs a project's global setup only when one of its tests is selected, so
 *   `npm test -- --selectProjects unit` (or `npx jest test/config`) needs no Python at all.
 * A new test that talks to moto goes under one of AWS_TESTS' folders, or is named `*.moto.test.ts`.
 *
 * Type checking is `npm run build`'s job, so ts-jest only transpiles.
 */
// The AWS SDK prints a Node-version notice once per process (every worker, every CLI child): it is about
// the SDK's future support window, not about a test, and would repeat all over a passing run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const AWS_TESTS = [
  '<rootDir>/test/cli/**/*.test.ts',
  '<rootDir>/test/drill/**/*.test.ts',
  '<rootDir>/test/lambdas/actuators/**/*.test.ts',
  '<rootDir>/test/lambdas/state/**/*.test.ts',
  '<rootDir>/test/lambdas/dns-records.test.ts',
  '<rootDir>/test/lambdas/handler.test.ts',
  '<rootDir>/test/constructs/node-agent.test.ts',
  '<rootDir>/test/**/*.moto.test.ts',
];

/** The same set as regular expressions, for the unit project to leave out. */
const AWS_TESTS_IGNORED = [
  '/node_modules/',
  '/test/cli/',
  '/test/drill/',
  '/test/lambdas/actuators/',
  '/test/lambdas/state/',
  '/test/lambdas/dns-records\\.test\\.ts$',
  '/test/lambdas/handler\\.test\\.ts$',
  '/test/constructs/node-agent\\.test\\.ts$',
  '\\.moto\\.test\\.ts$',
];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { diagnostics: false }],
    // @middy/core is ESM-only: transpile it to CommonJS so the tests load the very handler the Lambda ships.
    '^.+/node_modules/@middy/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/support/quiet.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: AWS_TESTS_IGNORED,
    },
    {
      ...common,
      displayName: 'aws',
      testMatch: AWS_TESTS,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
