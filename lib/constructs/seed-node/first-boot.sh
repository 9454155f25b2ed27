#!/bin/bash
# seedshield seed node, first boot (run once by the user data, as root): read the instance's address from
# IMDSv2, install the pinned spring release, write config.ini, start nodeos under systemd.
# No `set -x`: the peer key passes through configure-nodeos.sh and must not reach the console log.
set -euo pipefail
# shellcheck source=common.sh
source "${SEEDSHIELD_LIB:-/opt/seedshield/lib}/common.sh"
load_env

IMDS=${SEEDSHIELD_IMDS_ENDPOINT:-http://169.254.169.254}
retries=${SEEDSHIELD_IMDS_RETRIES:-5}
# IMDSv2 only. Plain assignments, never `local x=$(...)` or `export x=$(...)`: those return the status of
# `local`/`export` and would hide a failed metadata read (shellcheck SC2155).
IMDS_TOKEN=$(curl -fsS --retry "$retries" --retry-connrefused -X PUT "$IMDS/latest/api/token" \
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') || die 1 "IMDSv2 token request to $IMDS failed"
imds() {
  curl -fsS --retry "$retries" --retry-connrefused -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" "$IMDS/latest/meta-data/$1" \
    || die 1 "IMDS read of $1 failed"
}
PRIVATE_IP=$(imds local-ipv4)
AWS_DEFAULT_REGION=$(imds placement/region)
export AWS_DEFAULT_REGION
[[ $PRIVATE_IP =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die 1 "IMDS local-ipv4 is not an IPv4 address"
printf 'SEEDSHIELD_PRIVATE_IP=%s\nAWS_DEFAULT_REGION=%s\nexport AWS_DEFAULT_REGION\n' "$PRIVATE_IP" "$AWS_DEFAULT_REGION" \
  > "$SEEDSHIELD_ETC/runtime.env"

apt_get() { wait_for_dpkg_lock && apt-get -o DPkg::Lock::Timeout=600 -q "$@"; }

export DEBIAN_FRONTEND=noninteractive
apt_get update
apt_get install -y awscli curl zstd

deb=/tmp/$(basename "$SEEDSHIELD_NODEOS_DEB_URL")
curl -fsSL --retry 5 -o "$deb" "$SEEDSHIELD_NODEOS_DEB_URL" || die 1 "download of $SEEDSHIELD_NODEOS_DEB_URL failed"
if [[ -n ${SEEDSHIELD_NODEOS_DEB_SHA256:-} ]]; then
  echo "${SEEDSHIELD_NODEOS_DEB_SHA256}  ${deb}" | sha256sum --check --strict - || die 1 "$deb does not match nodeos.packageSha256"
else
  log "WARNING $(basename "$deb") installed without checksum verification (nodeos.packageSha256 unset)"
fi
apt_get install -y "$deb"
rm -f "$deb"

id nodeos >/dev/null 2>&1 || useradd --system --home-dir /var/lib/nodeos --shell /usr/sbin/nologin nodeos
install -d -m 0750 -o nodeos -g nodeos /etc/nodeos /var/lib/nodeos "$SEEDSHIELD_NODEOS_DATA_DIR"

/opt/seedshield/bin/configure-nodeos

systemctl daemon-reload
# --no-block: the first start downloads and loads the snapshot, which outlasts cloud-init by far.
systemctl enable --now --no-block nodeos.service
log "first boot done: nodeos.service started; seed ports open once seedshield-chain-check verifies the chain id"
