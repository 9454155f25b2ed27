#!/usr/bin/env bash
# Mutation testing of the decision core's safety rules (lambdas/core/policy.ts, weights.ts, decide.ts) against
# the core tests only (jest.mutation.config.js), then MUTATION.md: the score per file and every surviving
# mutant, each with why it is equivalent (scripts/mutation-equivalents.json) or flagged as a missing test.
#
# About 80 minutes on 2 cores (a whole run measured 82 min of chunk time), longer on shared ones, so not part of CI. Stryker runs chunk by chunk (scripts/mutation-chunks.js: whole
# top-level declarations, about 180 lines each), each chunk with its own JSON report
# under reports/mutation/chunks/, so a finished chunk is kept when a later one is stopped. MUTATION.md is written
# from every chunk report present (each mutant as the chunk that tested it last saw it).
#
#   npm run test:mutation                                          # every chunk
#   MUTATION_CHUNKS='^(weights|policy-2)$' npm run test:mutation   # only the chunks whose name matches
#   MUTATION_RANGE=lambdas/core/policy.ts:281-395 MUTATION_NAME=guards npm run test:mutation   # one range of your own
#   npm run test:mutation -- --concurrency 1                       # extra arguments go to Stryker
set -euo pipefail
cd "$(dirname "$0")/.."
# Every mutant runs the property tests too; a few random histories per mutant (the same ones for every mutant:
# test/lambdas/core/mutation.setup.ts fixes the seed) keep the cost per mutant down.
export SEEDSHIELD_PROPERTY_RUNS="${SEEDSHIELD_PROPERTY_RUNS:-5}"
only="${MUTATION_CHUNKS:-.}"
mkdir -p reports/mutation/chunks

# Runs Stryker on one chunk: name, range, extra Stryker arguments.
run_chunk() {
  local name="$1" range="$2"
  shift 2
  local config="reports/mutation/chunks/$name.stryker.json"
  # The chunk's config: stryker.config.json with this chunk's range and report. Not incremental: every test
  # lives behind one loader file, so Stryker reused almost nothing, and what it reused were stale results of
  # static mutants (module-level constants) from before the tests that kill them.
  node -e '
    const [base, range, name, out] = process.argv.slice(1);
    const c = JSON.parse(require("fs").readFileSync(base, "utf8"));
    delete c.$schema;
    Object.assign(c, {
      mutate: range.split(","),
      jsonReporter: { fileName: `reports/mutation/chunks/${name}.json` },
      reporters: ["progress", "json"],
    });
    require("fs").writeFileSync(out, JSON.stringify(c, null, 2));
  ' stryker.config.json "$range" "$name" "$config"
  echo "== chunk $name: $range ($(date -u +%H:%M:%S))"
  local start code=0
  start=$(date +%s)
  node node_modules/@stryker-mutator/core/bin/stryker.js run "$config" "$@" || code=$?
  local secs=$(( $(date +%s) - start ))
  # The chunk's wall time, when it finished and its range, for MUTATION.md.
  [ "$code" -eq 0 ] && echo "$secs $(date -u +%Y-%m-%dT%H:%M:%SZ) $range" > "reports/mutation/chunks/$name.time"
  echo "== chunk $name done in $secs s (exit $code)"
  return "$code"
}

status=0
if [ -n "${MUTATION_RANGE:-}" ]; then
  run_chunk "${MUTATION_NAME:?MUTATION_NAME names the chunk of MUTATION_RANGE}" "$MUTATION_RANGE" "$@" || status=$?
else
  for name in $(node scripts/mutation-chunks.js | cut -d' ' -f1); do
    [[ "$name" =~ $only ]] || continue
    # The range is planned again just before the chunk runs: the code may have changed meanwhile.
    range=$(node scripts/mutation-chunks.js | awk -v n="$name" '$1 == n { print $2 }')
    [ -n "$range" ] || continue
    run_chunk "$name" "$range" "$@" || status=$?
  done
fi
node scripts/mutation-report.js reports/mutation/chunks MUTATION.md
exit "$status"
