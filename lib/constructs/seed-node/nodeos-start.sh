#!/bin/bash
# seedshield seed node: ExecStart of nodeos.service (runs as the nodeos user, then becomes nodeos by exec).
#
# --snapshot / --genesis-json are for an empty state only (chain_plugin refuses a snapshot on an existing
# state), so they are passed exactly when the state needs (re)building:
#   - no state yet (first start);
#   - chainbase's dirty flag is set: nodeos was killed before it closed the state file, and would stop at
#     once with "database dirty flag set". spring's troubleshooting guide prescribes a replay; a replay needs
#     the whole block log, which a seed keeping block-log-retain-blocks does not have, so the state is
#     rebuilt from the configured snapshot instead ("how to replay from a snapshot": remove the data
#     directory's contents, keep the snapshot).
# Any other start (a clean stop, a reboot) runs nodeos on its existing state with neither option.
set -euo pipefail
# shellcheck source=common.sh
source "${SEEDSHIELD_LIB:-/opt/seedshield/lib}/common.sh"
load_env

data=${SEEDSHIELD_NODEOS_DATA_DIR:?}
conf_dir=${SEEDSHIELD_NODEOS_CONFIG_DIR:-/etc/nodeos}
state_file=$data/state/shared_memory.bin

# chainbase's db_header (chainbase/environment.hpp): 8-byte id "CHAINB01", then the dirty flag (1 byte), set
# while the database is open and cleared only once the state file was flushed on a clean close.
state_status() {
  [[ -e $state_file ]] || { echo empty; return; }
  local magic flag
  magic=$(head -c 8 "$state_file")
  flag=$(od -An -tu1 -j8 -N1 "$state_file" | tr -d '[:space:]')
  if [[ $magic != CHAINB01 ]]; then echo unreadable
  elif [[ $flag == 0 ]]; then echo clean
  else echo dirty; fi
}

# Prints the path of the verified, decompressed snapshot, downloading it once; kept for later recoveries.
snapshot_file() {
  local dir=$data/snapshots source=$SEEDSHIELD_SNAPSHOT_SOURCE sha=$SEEDSHIELD_SNAPSHOT_SHA256
  local target=$dir/seedshield-$sha.bin partial=$dir/download.partial got
  mkdir -p "$dir"
  if [[ -s $target ]]; then echo "$target"; return; fi
  log "downloading snapshot $source"
  case $source in
    s3://*) aws s3 cp --only-show-errors "$source" "$partial" ;;
    *) curl -fsSL --retry 5 --retry-connrefused -o "$partial" "$source" ;;
  esac || die "$EX_CONFIG" "snapshot $source could not be downloaded (nodeos.chain.snapshot): check that it exists and the instance may read it"
  got=$(sha256sum "$partial" | cut -d' ' -f1)
  if [[ $got != "$sha" ]]; then
    rm -f "$partial"
    die "$EX_CONFIG" "snapshot $source has SHA-256 $got, nodeos.chain.snapshot.sha256 says $sha: refusing it"
  fi
  case $source in
    *.zst) zstd -d -q -f -o "$target.partial" "$partial" ;;
    *.gz) gzip -dc "$partial" >"$target.partial" ;;
    *) mv "$partial" "$target.partial" ;;
  esac || die "$EX_CONFIG" "snapshot $source could not be decompressed"
  rm -f "$partial"
  mv "$target.partial" "$target"
  echo "$target"
}

args=(--config-dir "$conf_dir" --data-dir "$data")
status=$(state_status)
if [[ $status != clean ]]; then
  log "chain state is $status: rebuilding it from the configured $SEEDSHIELD_CHAIN_SOURCE"
  case $SEEDSHIELD_CHAIN_SOURCE in
    snapshot)
      snapshot=$(snapshot_file)
      args+=(--snapshot "$snapshot")
      ;;
    genesis)
      [[ -r $SEEDSHIELD_GENESIS_FILE ]] || die "$EX_CONFIG" "genesis file $SEEDSHIELD_GENESIS_FILE is missing"
      args+=(--genesis-json "$SEEDSHIELD_GENESIS_FILE")
      ;;
    *) die "$EX_CONFIG" "SEEDSHIELD_CHAIN_SOURCE must be snapshot or genesis" ;;
  esac
  # Only after the source is in hand: a failed download leaves the old data for inspection.
  rm -rf -- "${data:?}/state" "${data:?}/blocks"
fi
exec nodeos "${args[@]}"
