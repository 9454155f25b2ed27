/**
 * The esbuild options every seedshield Lambda is bundled with.
 */
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * Minified, and with names kept: error reasons in CloudFormation stack events and in the logs read
 * `ResourceDiscoveryError: ...`, not `te: ...` (`SeedshieldError` takes its `name` from the class).
 * The Node.js runtime provides the AWS SDK v3: keep it out of the bundle (no Docker, local esbuild).
 * esbuild's size report on every synth (dozens in a test run) buries what matters: warnings only.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  keepNames: true,
  sourceMap: false,
  externalModules: ['@aws-sdk/*'],
  logLevel: nodejs.LogLevel.WARNING,
} as const satisfies nodejs.BundlingOptions;
