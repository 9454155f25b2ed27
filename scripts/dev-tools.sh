#!/usr/bin/env bash
# Finds (or sets up) the Python tools the tests and lint need: moto_server (the tests of the "aws" jest
# project, the drill, the sandbox) and cfn-lint (npm run lint:cfn). Pinned in requirements-dev.txt.
#
#   source scripts/dev-tools.sh           # puts them on PATH: the ones already installed, else ./.venv's;
#                                         # if neither, tries to create ./.venv from requirements-dev.txt
#   bash scripts/dev-tools.sh --setup     # creates/updates ./.venv from requirements-dev.txt, then reports
#   bash scripts/dev-tools.sh --check     # reports what is found; exit 3 if something is missing
#
# Tools already on PATH are used as they are. Set SEEDSHIELD_NO_TOOL_SETUP=1 to never download anything.
# Sourcing never exits the caller: a tool that is still missing is reported with the one command that
# installs it, and each command that needs it fails at once, with exit status 3.

_ss_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ss_venv="$_ss_root/.venv"
_ss_hint="python3 -m pip install -r requirements-dev.txt   (or: bash scripts/dev-tools.sh --setup, into ./.venv)"

_ss_missing() {
  local missing=()
  command -v moto_server >/dev/null 2>&1 || missing+=(moto_server)
  command -v cfn-lint >/dev/null 2>&1 || missing+=(cfn-lint)
  echo "${missing[*]}"
}

# A project-local virtual environment from the pinned file. pip gets short timeouts so that a machine that
# cannot reach a Python package index learns it in seconds, not minutes.
_ss_setup_venv() {
  command -v python3 >/dev/null 2>&1 || { echo "dev-tools: python3 not found; install Python 3.10+ first" >&2; return 1; }
  # Probe the package index first (one small download, no virtual environment yet): seconds, not minutes.
  local probe pin
  probe="$(mktemp -d)"
  pin="$(sed -n 's/^\(moto\)\[[a-z,]*\]\(==[0-9.]*\).*/\1\2/p' "$_ss_root/requirements-dev.txt" | head -1)"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --timeout 10 --retries 0 -d "$probe" "${pin:-moto}" >/dev/null 2>&1; then
    rm -rf "$probe"
    echo "dev-tools: no Python package index reachable from here, cannot set up $_ss_venv" >&2
    return 1
  fi
  rm -rf "$probe"
  echo "dev-tools: setting up $_ss_venv from requirements-dev.txt (once) ..." >&2
  if [ ! -x "$_ss_venv/bin/pip" ]; then
    python3 -m venv "$_ss_venv" >&2 || { echo "dev-tools: python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; rm -rf "$_ss_venv"; return 1; }
  fi
  if ! "$_ss_venv/bin/pip" install --quiet --disable-pip-version-check --timeout 15 --retries 1 -r "$_ss_root/requirements-dev.txt" >&2; then
    echo "dev-tools: pip could not install requirements-dev.txt (no Python package index reachable?)" >&2
    rm -rf "$_ss_venv"
    return 1
  fi
}

_ss_use_tools() {
  [ -x "$_ss_venv/bin/moto_server" ] && case ":$PATH:" in *":$_ss_venv/bin:"*) ;; *) PATH="$PATH:$_ss_venv/bin" ;; esac
  export PATH
  local missing
  missing="$(_ss_missing)"
  if [ -n "$missing" ] && [ "${SEEDSHIELD_NO_TOOL_SETUP:-}" != 1 ] && [ "${1:-}" != --check ]; then
    _ss_setup_venv && PATH="$PATH:$_ss_venv/bin" && export PATH
    missing="$(_ss_missing)"
  fi
  if [ -n "$missing" ]; then
    echo "dev-tools: not installed: $missing. Install: $_ss_hint" >&2
    return 3
  fi
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    --setup) _ss_setup_venv || exit 3; _ss_use_tools --check; rc=$? ;;
    --check | "") _ss_use_tools --check; rc=$? ;;
    *) echo "usage: bash scripts/dev-tools.sh [--check|--setup]" >&2; exit 2 ;;
  esac
  [ $rc -eq 0 ] && echo "dev-tools: moto_server $(command -v moto_server), cfn-lint $(command -v cfn-lint)"
  exit $rc
else
  _ss_use_tools || true
fi
