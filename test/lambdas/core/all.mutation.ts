/**
 * The core tests as ONE jest test file, for mutation testing only (jest.mutation.config.js). Stryker's jest
 * runner runs every test file for every mutant (it filters tests by name), and each file costs a fresh module
 * registry: the instrumented core, fast-check and the fixtures loaded again. Loaded once here, a mutant costs
 * about the tests it runs (measured: a fifth less CPU per mutant). `npm test` runs the files themselves.
 *
 * Every core test file is loaded, so a new one can never be left out of mutation testing by mistake; only the
 * files below are, each for its reason.
 */
import * as fs from 'fs';

/**
 * Left out: purity.test.ts reads decide.ts's source text, which Stryker has instrumented (its coverage hooks
 * read process.env), and checks the text, not the behaviour; the other two import none of the three files.
 */
const LEFT_OUT = ['purity.test.ts', 'topology-schema.test.ts', 'finding-policy.test.ts'];

const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.ts') && !LEFT_OUT.includes(f))
  .sort();
// jest.requireActual loads a test file synchronously, so its describe/test calls register in this file.
for (const f of files) jest.requireActual(`./${f}`);
