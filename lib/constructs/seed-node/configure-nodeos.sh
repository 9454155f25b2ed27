#!/bin/bash
# seedshield seed node: writes nodeos's config.ini from the rendered base (no secrets) plus what only the
# instance may read at boot: the block producers' p2p addresses (SSM) and the peer key (Secrets Manager).
# Neither value is ever printed: error messages name the parameter or secret and the expected shape only.
set -euo pipefail
# shellcheck source=common.sh
source "${SEEDSHIELD_LIB:-/opt/seedshield/lib}/common.sh"
load_env

conf_dir=${SEEDSHIELD_NODEOS_CONFIG_DIR:-/etc/nodeos}
[[ -n ${SEEDSHIELD_PRIVATE_IP:-} ]] || die "$EX_CONFIG" "no private address in $SEEDSHIELD_ETC/runtime.env (first boot incomplete)"

# A p2p address as net_plugin's p2p-peer-address takes it: host:port, host a DNS name, IPv4 or [IPv6].
valid_peer() { [[ $1 =~ ^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$ ]]; }

peer_lines=""
read -ra peer_parameters <<<"$SEEDSHIELD_PEERS_PARAMETERS"
for name in "${peer_parameters[@]}"; do
  value=$(aws ssm get-parameter --name "$name" --query Parameter.Value --output text) \
    || die 1 "cannot read SSM parameter $name (block producer peers): check it exists in this region and the instance role may read it"
  IFS=, read -ra peers <<<"$value"
  count=0
  for peer in "${peers[@]}"; do
    peer=${peer//[[:space:]]/}
    [[ -n $peer ]] || continue
    valid_peer "$peer" || die "$EX_CONFIG" "SSM parameter $name: entry $((count + 1)) is not host:port (expected e.g. bp1.example.org:9876,bp2.example.org:9876; value not shown)"
    peer_lines+="p2p-peer-address = ${peer}"$'\n'
    count=$((count + 1))
  done
  ((count > 0)) || die "$EX_CONFIG" "SSM parameter $name holds no block producer address (expected host:port[,host:port])"
done

# net_plugin parses peer-private-key as the JSON pair [public key, private key] and stops at startup on any
# other shape. cleos create key prints the legacy K1 forms (EOS…, 5…), spring also reads PUB_K1_/PVT_K1_.
B58='[1-9A-HJ-NP-Za-km-z]'
KEY_SHAPE='["PUB_K1_…","PVT_K1_…"] (or the legacy ["EOS…","5…"] that cleos create key prints)'
key=$(aws secretsmanager get-secret-value --secret-id "$SEEDSHIELD_PEER_KEY_SECRET" --query SecretString --output text) \
  || die 1 "cannot read secret $SEEDSHIELD_PEER_KEY_SECRET (nodeos.peerKeySecretName): check it exists in this region and the instance role may read it"
pair="^\[[[:space:]]*\"(PUB_K1_|EOS)${B58}{50}\"[[:space:]]*,[[:space:]]*\"(PVT_K1_${B58}{49,51}|5[HJK]${B58}{49})\"[[:space:]]*\]$"
if [[ ! $key =~ $pair ]]; then
  unset key
  die "$EX_CONFIG" "secret $SEEDSHIELD_PEER_KEY_SECRET (nodeos.peerKeySecretName) is not a nodeos peer-private-key: store the JSON pair $KEY_SHAPE as the secret string (value not shown)"
fi

tmp=$(mktemp "$conf_dir/.config.ini.XXXXXX")
{
  cat "$SEEDSHIELD_ETC/nodeos-base.ini"
  printf '# The HTTP API listens on the private address only: the NLB is its one way in.\n'
  printf 'http-server-address = %s:%s\n' "$SEEDSHIELD_PRIVATE_IP" "$SEEDSHIELD_HTTP_PORT"
  printf '%s' "$peer_lines"
  printf 'peer-private-key = %s\n' "$key"
} >"$tmp"
unset key
chmod 0600 "$tmp"
chown "${SEEDSHIELD_NODEOS_USER:-nodeos}:" "$tmp"
mv -f "$tmp" "$conf_dir/config.ini"
log "wrote $conf_dir/config.ini (${#peer_parameters[@]} peer parameter(s), peer key checked)"
