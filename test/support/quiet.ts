/**
 * Keeps a passing `npm test` readable. Runs in every test file before the framework (jest `setupFiles`).
 *
 * aws-cdk-lib prints its synthesis validation report (cdk-nag acknowledgements aside: the CloudFormation
 * W3010 "hard-coded availability zone" notes, seedshield's own `Annotations` warnings) with console.error on
 * every `app.synth()`, and the tests synthesize the example app dozens of times: about a thousand lines of
 * warnings the tests expect (explicit AZs are a design choice; each annotation is asserted where it
 * matters). Only reports that hold warnings and notes and nothing else are dropped; a report with an error,
 * and every other console line, still prints. So is aws-cdk-lib's "Bundling asset ..." line per Lambda per
 * synth (esbuild's own size report is off in the constructs: `logLevel: WARNING`). `SEEDSHIELD_TEST_VERBOSE=1` keeps everything.
 */
const verbose = process.env.SEEDSHIELD_TEST_VERBOSE === '1';

// The SDK's Node-version notice: see jest.config.js. Set here too for a worker started with another env.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Whether console arguments are a synthesis validation report with nothing worse than warnings.
 * @internal exported for its test
 */
export function isWarningOnlyValidationReport(args: readonly unknown[]): boolean {
  const text = args.map((a) => (typeof a === 'string' ? a : '')).join('\n');
  if (!/Acknowledge with '/.test(text) && !/A copy of this report can be found in:/.test(text)) return false;
  // aws-cdk-lib labels every entry with its level at the start of a line: ERROR, WARNING or INFO.
  return !/^\s*ERROR\b/m.test(text);
}

if (!verbose) {
  // aws-cdk-lib announces every local bundling on stderr ("Bundling asset Dns/.../Stage..."), per synth.
  const write = process.stderr.write.bind(process.stderr) as (...a: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && /^Bundling asset \S+\.\.\.\s*$/.test(chunk)) return true;
    return write(chunk, ...rest);
  });
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (isWarningOnlyValidationReport(args)) return;
    original(...args);
  };
}
