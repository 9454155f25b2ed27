#!/usr/bin/env bash
# `npm run synth`: `cdk synth -q` into cdk.out/, and nothing stale left behind. cdk.out is emptied first
# (a stack removed from the config must not keep its old template), and a failed synth moves what it wrote
# to cdk.out.failed/ (validation-report.json is there): `npm run lint:cfn` and `cdk deploy --app cdk.out`
# then find no templates instead of the previous run's, or a half-written set.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
rm -rf cdk.out cdk.out.failed
node_modules/.bin/cdk synth -q "$@"
rc=$?
if [ $rc -ne 0 ]; then
  [ -d cdk.out ] && mv cdk.out cdk.out.failed
  echo "synth: failed (exit $rc); no cdk.out left for lint or deploy (what it wrote, validation-report.json included, is in cdk.out.failed/)" >&2
  exit $rc
fi
