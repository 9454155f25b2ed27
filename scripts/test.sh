#!/usr/bin/env bash
# `npm test`: every jest test, with the Python tools found or set up first (scripts/dev-tools.sh). Arguments
# go to jest (`npm test -- --ci`, `npm test -- --selectProjects unit`, `npm test -- test/config`).
# Without moto_server the tests that need it stop the run at once, exit status 3, saying how to install it.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=scripts/dev-tools.sh
source scripts/dev-tools.sh
exec node_modules/.bin/jest "$@"
