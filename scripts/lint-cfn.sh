#!/usr/bin/env bash
# cfn-lint over every synthesized template in cdk.out (run `npm run synth` first). Zero errors required;
# warnings are printed but do not fail. cfn-lint is a Python tool: see requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
if [ -d cdk.out.failed ] && [ ! -d cdk.out ]; then
  echo "lint:cfn: the last synth failed (its output is in cdk.out.failed/); fix it and run 'npm run synth' again" >&2
  exit 1
fi
templates=(cdk.out/*.template.json)
if [ ${#templates[@]} -eq 0 ]; then
  echo "lint:cfn: no templates in cdk.out; run 'npm run synth' first" >&2
  exit 1
fi
# shellcheck source=scripts/dev-tools.sh
source scripts/dev-tools.sh
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "lint:cfn: cfn-lint not found (see above)" >&2
  exit 3
fi
# Exit codes are a bit mask: 2 = errors, 4 = warnings, 8 = informational. Only errors fail.
set +e
cfn-lint --format parseable -- "${templates[@]}"
rc=$?
set -e
if (( rc & 2 )) || (( rc & 1 )); then
  echo "lint:cfn: cfn-lint found errors in ${#templates[@]} templates" >&2
  exit 1
fi
echo "lint:cfn: ${#templates[@]} templates, 0 errors"
