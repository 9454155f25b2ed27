#!/bin/bash
# seedshield seed node: the chain gate. A host firewall rule refuses new connections to the seed ports
# (p2p and HTTP API) from anywhere but loopback until nodeos proves it serves the configured chain.
#   close   insert the rule (nodeos.service ExecStartPre/ExecStop/ExecStopPost: every start is re-verified)
#   open    remove it
#   verify  wait for get_info on the private address (loopback, so the rule does not apply), compare its
#           chain_id with SEEDSHIELD_CHAIN_ID; open on a match, otherwise keep the gate closed, stop nodeos
#           and fail loudly.
# The NLB's health checks (TCP 9876, HTTP get_info on 8888) reach the node from the VPC, so both target
# groups see a node on the wrong chain, or not verified yet, as unhealthy: a get_info 200 now implies the
# right chain id. No port is added. A node agent (chain-aware health) can call `close`/`open` the same way.
set -euo pipefail
# shellcheck source=common.sh
source "${SEEDSHIELD_LIB:-/opt/seedshield/lib}/common.sh"
load_env

rule=(INPUT -p tcp -m multiport --dports "$SEEDSHIELD_SEED_PORTS" ! -i lo
  -m comment --comment seedshield-chain-gate -j REJECT --reject-with tcp-reset)

close_gate() { iptables -w -C "${rule[@]}" 2>/dev/null || iptables -w -I "${rule[@]}"; }
open_gate() { while iptables -w -C "${rule[@]}" 2>/dev/null; do iptables -w -D "${rule[@]}"; done; }

verify() {
  local api="http://${SEEDSHIELD_PRIVATE_IP:?}:${SEEDSHIELD_HTTP_PORT:?}" info chain_id
  local deadline=$((SECONDS + ${SEEDSHIELD_CHAIN_CHECK_TIMEOUT_SEC:-21600}))
  # Loading a mainnet snapshot takes a while before the HTTP API answers.
  until info=$(curl -fsS --max-time 10 "$api/v1/chain/get_info" 2>/dev/null); do
    ((SECONDS < deadline)) || die 1 "nodeos did not answer $api/v1/chain/get_info in time; seed ports stay closed"
    sleep "${SEEDSHIELD_CHAIN_CHECK_INTERVAL_SEC:-10}"
  done
  chain_id=$(grep -oE '"chain_id"[[:space:]]*:[[:space:]]*"[0-9a-f]{64}"' <<<"$info" | grep -oE '[0-9a-f]{64}' || true)
  if [[ $chain_id != "$SEEDSHIELD_CHAIN_ID" ]]; then
    close_gate
    systemctl stop --no-block nodeos.service || true
    die 1 "WRONG CHAIN: nodeos serves chain id '${chain_id:-none}', nodeos.chain.id is $SEEDSHIELD_CHAIN_ID; seed ports stay closed and nodeos is stopped (check nodeos.chain's snapshot or genesis)"
  fi
  open_gate
  log "chain id $chain_id verified: seed ports open"
}

case ${1:-} in
  close) close_gate ;;
  open) open_gate ;;
  verify) verify ;;
  *) die 2 "usage: chain-check close|open|verify" ;;
esac
