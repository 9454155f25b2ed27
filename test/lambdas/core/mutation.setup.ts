/**
 * Setup of the mutation-testing jest config (jest.mutation.config.js) only: the property tests draw the same
 * random histories for every mutant, so a mutant's verdict does not depend on luck and an incremental re-run
 * (which re-tests only changed mutants) compares like with like. `npm test` keeps fresh seeds every run.
 */
import * as fc from 'fast-check';

// endOnFailure: a failing property kills the mutant as it is; shrinking the counterexample (which only helps a
// person read it) would cost a mutant tens of seconds and end as a timeout.
fc.configureGlobal({ seed: Number(process.env.SEEDSHIELD_PROPERTY_SEED ?? 19), endOnFailure: true });
