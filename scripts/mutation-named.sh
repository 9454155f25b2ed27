#!/usr/bin/env bash
# The mutants issue 19 named (scripts/mutation-named.json: safety rules that no test pinned), each applied by
# hand to a scratch copy of the repo and run against the core tests (jest.mutation.config.js): every one must
# be killed. Minutes, where the whole Stryker run (npm run test:mutation) takes hours; its results go into
# MUTATION.md. Exit 1 when a named mutant survives or no longer applies (the code moved: update the json).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z lambdas lib test scripts jest.config.js jest.mutation.config.js tsconfig.json package.json | xargs -0 cp --parents -t "$scratch"
# Untracked core test files too (a test being written counts).
cp test/lambdas/core/*.ts "$scratch/test/lambdas/core/"
ln -s "$repo/node_modules" "$scratch/node_modules"
mkdir -p reports/mutation
export SEEDSHIELD_PROPERTY_RUNS="${SEEDSHIELD_PROPERTY_RUNS:-5}"
node - "$scratch" "$repo/reports/mutation/named.json" "$repo/scripts/mutation-named.json" <<'JS'
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const [scratch, out, list] = process.argv.slice(2);
const { mutants } = JSON.parse(fs.readFileSync(list, 'utf8'));
const results = [];
for (const m of mutants) {
  const file = path.join(scratch, m.file);
  const source = fs.readFileSync(file, 'utf8');
  const count = source.split(m.original).length - 1;
  let status;
  if (count !== 1) {
    status = `NOT APPLIED (the original text occurs ${count} times)`;
  } else {
    fs.writeFileSync(file, source.replace(m.original, m.replacement));
    const run = spawnSync('npx', ['jest', '-c', 'jest.mutation.config.js', '--silent'], { cwd: scratch, encoding: 'utf8' });
    fs.writeFileSync(file, source);
    const failed = (run.stderr.match(/Tests:\s+(\d+) failed/) ?? [])[1];
    status = run.status === 0 ? 'SURVIVED' : failed ? `killed (${failed} tests fail)` : 'killed (the test run fails)';
  }
  process.stdout.write(`${status}: ${m.name}\n`);
  results.push({ name: m.name, file: m.file, status, at: new Date().toISOString() });
}
fs.writeFileSync(out, JSON.stringify(results, null, 2));
process.exit(results.every((r) => r.status.startsWith('killed')) ? 0 : 1);
JS
