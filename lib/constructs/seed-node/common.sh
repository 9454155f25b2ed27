# shellcheck shell=bash
# seedshield seed node: helpers sourced by the other scripts (installed under /opt/seedshield/lib).
# Settings come from /etc/seedshield/seed-node.env (rendered at synth, no secrets) and runtime.env (written at
# first boot: the instance's private address). Tests point SEEDSHIELD_ETC at their own directory.
SEEDSHIELD_ETC=${SEEDSHIELD_ETC:-/etc/seedshield}
# sysexits EX_CONFIG: nodeos.service lists it in RestartPreventExitStatus, so a configuration error stops
# the unit for good (and the health check fails) instead of restarting into the same error.
readonly EX_CONFIG=78

log() { printf 'seedshield: %s\n' "$*" >&2; }

# die CODE MESSAGE: to stderr (journal / cloud-init log) and to syslog at crit, then exit.
die() {
  local code=$1
  shift
  printf 'seedshield: ERROR: %s\n' "$*" >&2
  logger -t seedshield -p user.crit -- "ERROR: $*" 2>/dev/null || true
  exit "$code"
}

# unattended-upgrades starts with the first boot and holds the dpkg/apt locks for minutes: wait for them
# (apt's own DPkg::Lock::Timeout only covers the dpkg frontend lock, not `apt-get update`'s lists lock).
wait_for_dpkg_lock() {
  local waited=0 limit=${SEEDSHIELD_DPKG_LOCK_TIMEOUT_SEC:-1800} poll=${SEEDSHIELD_DPKG_LOCK_POLL_SEC:-5}
  local -a locks
  read -ra locks <<<"${SEEDSHIELD_DPKG_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock}"
  while fuser "${locks[@]}" >/dev/null 2>&1; do
    ((waited < limit)) || die 1 "the dpkg/apt lock is still held after ${limit} s"
    if ((waited % 60 == 0)); then log "waiting for the dpkg/apt lock (unattended upgrades at first boot)"; fi
    sleep "$poll"
    waited=$((waited + poll))
  done
}

load_env() {
  local file
  for file in "$SEEDSHIELD_ETC/seed-node.env" "$SEEDSHIELD_ETC/runtime.env"; do
    # shellcheck source=/dev/null
    if [[ -r $file ]]; then source "$file"; fi
  done
  [[ -n ${SEEDSHIELD_CHAIN_ID:-} ]] || die "$EX_CONFIG" "$SEEDSHIELD_ETC/seed-node.env is missing or sets no SEEDSHIELD_CHAIN_ID"
}
