#!/usr/bin/env bash
# Mutation testing of the decision core's safety rules (lambdas/core/policy.ts, weights.ts, decide.ts) against
# the core tests only (jest.mutation.config.js), then MUTATION.md: the score and every surviving mutant, each
# with why it is equivalent (scripts/mutation-equivalents.json) or flagged as a missing test.
#
# Tens of minutes on 2 cores, so not part of CI. Incremental: a re-run only re-tests mutants whose code or
# tests changed (reports/stryker-incremental.json). Extra arguments go to Stryker (e.g. --concurrency 2).
set -euo pipefail
cd "$(dirname "$0")/.."
# Every mutant runs the property tests too; fewer random histories per mutant keep a run within the hour.
export SEEDSHIELD_PROPERTY_RUNS="${SEEDSHIELD_PROPERTY_RUNS:-10}"
status=0
node node_modules/@stryker-mutator/core/bin/stryker.js run stryker.config.json "$@" || status=$?
node scripts/mutation-report.js reports/mutation/mutation.json MUTATION.md
exit "$status"
