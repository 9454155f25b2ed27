/**
 * Global setup of the `aws` jest project (see jest.config.js): starts one `moto_server` on a free loopback
 * port for every test file that talks to "AWS", and exports its endpoint as MOTO_ENDPOINT (workers inherit
 * the environment). Jest runs it only when a test of that project is selected.
 *
 * If MOTO_ENDPOINT is already set (e.g. a developer's own server), that one is used.
 *
 * Without moto_server the run stops at once, exit status 3, with the command that installs it and the way
 * to run the tests that do not need it: a 30-second wait and a stack trace taught nobody anything.
 */
import { EXIT_MOTO_MISSING, MotoUnavailableError, startMoto } from './moto';

export default async function globalSetup(): Promise<void> {
  if (process.env.MOTO_ENDPOINT) return;
  try {
    const moto = await startMoto();
    process.env.MOTO_ENDPOINT = moto.endpoint;
    (globalThis as { __MOTO__?: { stop(): Promise<void> } }).__MOTO__ = moto;
  } catch (err) {
    if (!(err instanceof MotoUnavailableError)) throw err;
    process.stderr.write(
      `\nseedshield tests: ${err.message}\n` +
        '  The tests under test/cli, test/drill, test/lambdas/{actuators,state,handler,dns-records}, test/constructs/node-agent (jest project "aws") call AWS APIs against a local moto.\n' +
        '  Run only the tests that need nothing but Node: npm test -- --selectProjects unit\n\n',
    );
    process.exit(EXIT_MOTO_MISSING);
  }
}
