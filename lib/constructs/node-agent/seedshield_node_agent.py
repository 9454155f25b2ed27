#!/usr/bin/env python3
"""seedshield node agent: judges a seed node by the chain, not by an open TCP port.

Every SEEDSHIELD_INTERVAL_SECONDS (10 by default) it reads nodeos's /v1/chain/get_info on the node's own
address, counts the established TCP connections on the p2p port from /proc/net/tcp{,6} (the node does not
run net_api_plugin, and must not: its connect/disconnect endpoints would be public), and publishes three
high-resolution CloudWatch metrics in the SEEDSHIELD_NAMESPACE namespace:

  HeadBlockLagSeconds   wall clock minus get_info.head_block_time (how far the node is behind the chain)
  IrreversibleLagBlocks head_block_num minus last_irreversible_block_num
  PeerCount             established p2p connections, inbound and outbound

each twice: with the dimension ClusterId alone (the cluster's alarms read its p50, the median of its nodes)
and with ClusterId + InstanceId (the dashboard and whoever investigates one node).

Why Python and only its standard library: Ubuntu's cloud images ship python3 because cloud-init is written
in it, so the agent needs no runtime of its own and no package from the internet (the node may boot into
an isolated VPC). SigV4 is implemented here for the same reason; tests check it against the AWS SDK's signer.

Unknown is not good news, and not bad news either: when nodeos is down, slow or answers garbage, the agent
publishes no chain metric for that cycle (the cluster's p50 then comes from its other nodes; a cluster with
no data at all holds, and pages, in the control plane) and logs why once per change of reason. PeerCount is
read from the kernel, so it is published even when nodeos is down.
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

IMDS = 'http://169.254.169.254'
ESTABLISHED = '01'  # TCP state code in /proc/net/tcp (include/net/tcp_states.h: TCP_ESTABLISHED = 1)


class AgentError(Exception):
    """A cycle could not read or publish something; the message says what, never a credential."""


def log(message):
    # systemd's journal stamps the time; one line per event keeps `journalctl -u` readable.
    print(f'seedshield-node-agent: {message}', file=sys.stderr, flush=True)


def settings_from_env(env):
    """The agent's settings, validated: a wrong value stops the agent at start with the variable's name."""
    def need(name):
        value = env.get(name, '').strip()
        if not value:
            raise AgentError(f'{name} is not set (see /etc/seedshield/node-agent.env)')
        return value

    def number(name, default, minimum):
        raw = env.get(name, str(default)).strip()
        try:
            value = float(raw)
        except ValueError:
            raise AgentError(f'{name} must be a number, got {raw!r}') from None
        if value < minimum:
            raise AgentError(f'{name} must be at least {minimum}, got {raw!r}')
        return value

    region = env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or ''
    endpoint = (env.get('SEEDSHIELD_CLOUDWATCH_ENDPOINT') or env.get('AWS_ENDPOINT_URL_CLOUDWATCH')
                or env.get('AWS_ENDPOINT_URL') or '')
    return {
        'cluster_id': need('SEEDSHIELD_CLUSTER_ID'),
        'nodeos_url': need('SEEDSHIELD_NODEOS_URL').rstrip('/'),
        'namespace': env.get('SEEDSHIELD_NAMESPACE', 'Seedshield/Chain'),
        'p2p_port': int(number('SEEDSHIELD_P2P_PORT', 9876, 1)),
        'interval': number('SEEDSHIELD_INTERVAL_SECONDS', 10, 1),
        'nodeos_timeout': number('SEEDSHIELD_NODEOS_TIMEOUT_SECONDS', 3, 0.1),
        'proc_net': env.get('SEEDSHIELD_PROC_NET', '/proc/net'),
        'region': region,
        'endpoint': endpoint.rstrip('/'),
        'instance_id': env.get('SEEDSHIELD_INSTANCE_ID', ''),
    }


# ---------------------------------------------------------------- chain: nodeos get_info


def parse_block_time(value):
    """nodeos prints head_block_time as UTC without a zone, e.g. 2024-06-01T12:00:00.500."""
    if not isinstance(value, str):
        raise AgentError('get_info.head_block_time is not a string')
    text = value[:-1] if value.endswith('Z') else value
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise AgentError('get_info.head_block_time is not an ISO-8601 time') from None
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()


def chain_readings(info, now):
    """(HeadBlockLagSeconds, IrreversibleLagBlocks) from a get_info answer, or AgentError on a bad shape."""
    if not isinstance(info, dict):
        raise AgentError('get_info did not answer a JSON object')
    head, lib = info.get('head_block_num'), info.get('last_irreversible_block_num')
    if not isinstance(head, int) or isinstance(head, bool) or not isinstance(lib, int) or isinstance(lib, bool):
        raise AgentError('get_info lacks whole-number head_block_num / last_irreversible_block_num')
    lag_seconds = max(0.0, now - parse_block_time(info.get('head_block_time')))
    return round(lag_seconds, 3), max(0, head - lib)


def read_get_info(settings):
    url = f"{settings['nodeos_url']}/v1/chain/get_info"
    try:
        with urllib.request.urlopen(url, timeout=settings['nodeos_timeout']) as response:
            body = response.read(65536)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise AgentError(f'nodeos get_info failed: {getattr(err, "reason", err)}') from None
    try:
        return json.loads(body)
    except ValueError:
        raise AgentError('nodeos get_info answered something that is not JSON') from None


# ---------------------------------------------------------------- peers: the kernel's TCP table


def count_established(proc_net, port):
    """Established TCP connections with `port` at either end, from /proc/net/tcp and tcp6.

    Inbound peers arrive on the listener's port (local end); outbound links (to the block producer) have it
    at the remote end. See proc(5), /proc/net/tcp: addresses are HEX_IP:HEX_PORT, `st` is the state code.
    """
    count = 0
    seen_a_table = False
    for name in ('tcp', 'tcp6'):
        try:
            with open(os.path.join(proc_net, name), encoding='ascii') as table:
                lines = table.read().splitlines()[1:]
        except FileNotFoundError:
            continue  # a kernel without IPv6 has no tcp6
        seen_a_table = True
        for line in lines:
            fields = line.split()
            if len(fields) < 4 or fields[3] != ESTABLISHED:
                continue
            local_port = int(fields[1].rsplit(':', 1)[1], 16)
            remote_port = int(fields[2].rsplit(':', 1)[1], 16)
            if port in (local_port, remote_port):
                count += 1
    if not seen_a_table:
        raise AgentError(f'no TCP table under {proc_net}')
    return count


# ---------------------------------------------------------------- AWS: credentials, SigV4, PutMetricData


def imds_token():
    request = urllib.request.Request(f'{IMDS}/latest/api/token', method='PUT',
                                     headers={'X-aws-ec2-metadata-token-ttl-seconds': '300'})
    with urllib.request.urlopen(request, timeout=2) as response:
        return response.read().decode()


def imds_get(path, token):
    request = urllib.request.Request(f'{IMDS}/latest/{path}', headers={'X-aws-ec2-metadata-token': token})
    with urllib.request.urlopen(request, timeout=2) as response:
        return response.read().decode()


class Credentials:
    """The instance role's credentials from IMDSv2, refreshed five minutes before they expire.

    Static credentials in the environment (AWS_ACCESS_KEY_ID, ...) take precedence: the tests use them.
    """

    def __init__(self, env):
        self._env = env
        self._cached = None
        self._expires = 0.0

    def get(self, now):
        if self._env.get('AWS_ACCESS_KEY_ID') and self._env.get('AWS_SECRET_ACCESS_KEY'):
            return (self._env['AWS_ACCESS_KEY_ID'], self._env['AWS_SECRET_ACCESS_KEY'],
                    self._env.get('AWS_SESSION_TOKEN') or None)
        if self._cached and now < self._expires - 300:
            return self._cached
        try:
            token = imds_token()
            role = imds_get('meta-data/iam/security-credentials/', token).strip().splitlines()[0]
            document = json.loads(imds_get(f'meta-data/iam/security-credentials/{role}', token))
        except (urllib.error.URLError, OSError, ValueError, IndexError) as err:
            raise AgentError(f'instance role credentials unavailable from IMDS: {err}') from None
        expiration = datetime.datetime.strptime(document['Expiration'], '%Y-%m-%dT%H:%M:%SZ')
        self._expires = expiration.replace(tzinfo=datetime.timezone.utc).timestamp()
        self._cached = (document['AccessKeyId'], document['SecretAccessKey'], document.get('Token'))
        return self._cached


def _hmac(key, message):
    return hmac.new(key, message.encode('utf-8'), hashlib.sha256).digest()


def sign_request(method, url, region, service, body, credentials, amz_date, content_type):
    """Headers for an AWS Signature Version 4 request (AWS General Reference, "Create a signed AWS API request").

    Only the headers listed here are signed; the caller sends exactly these.
    """
    access_key, secret_key, session_token = credentials
    parts = urllib.parse.urlsplit(url)
    headers = {'content-type': content_type, 'host': parts.netloc, 'x-amz-date': amz_date}
    if session_token:
        headers['x-amz-security-token'] = session_token
    names = sorted(headers)
    signed_headers = ';'.join(names)
    canonical_request = '\n'.join([
        method,
        parts.path or '/',
        parts.query,
        ''.join(f'{name}:{headers[name].strip()}\n' for name in names),
        signed_headers,
        hashlib.sha256(body).hexdigest(),
    ])
    date_stamp = amz_date[:8]
    scope = f'{date_stamp}/{region}/{service}/aws4_request'
    string_to_sign = '\n'.join([
        'AWS4-HMAC-SHA256', amz_date, scope, hashlib.sha256(canonical_request.encode('utf-8')).hexdigest(),
    ])
    key = _hmac(('AWS4' + secret_key).encode('utf-8'), date_stamp)
    for part in (region, service, 'aws4_request'):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()
    headers['authorization'] = (f'AWS4-HMAC-SHA256 Credential={access_key}/{scope}, '
                                f'SignedHeaders={signed_headers}, Signature={signature}')
    return headers


def metric_data_body(settings, readings, timestamp):
    """The CloudWatch Query API form of PutMetricData (API version 2010-08-01).

    StorageResolution 1 makes them high-resolution metrics, so alarms can use 10-second periods.
    """
    params = {'Action': 'PutMetricData', 'Version': '2010-08-01', 'Namespace': settings['namespace']}
    index = 0
    for name, (value, unit) in readings.items():
        dimension_sets = [[('ClusterId', settings['cluster_id'])]]
        if settings['instance_id']:
            dimension_sets.append([('ClusterId', settings['cluster_id']), ('InstanceId', settings['instance_id'])])
        for dimensions in dimension_sets:
            index += 1
            prefix = f'MetricData.member.{index}.'
            params[prefix + 'MetricName'] = name
            params[prefix + 'Value'] = repr(float(value))
            params[prefix + 'Unit'] = unit
            params[prefix + 'StorageResolution'] = '1'
            params[prefix + 'Timestamp'] = timestamp
            for d, (key, val) in enumerate(dimensions, start=1):
                params[f'{prefix}Dimensions.member.{d}.Name'] = key
                params[f'{prefix}Dimensions.member.{d}.Value'] = val
    return urllib.parse.urlencode(params).encode('utf-8')


def put_metric_data(settings, credentials, readings, now):
    url = settings['endpoint'] or f"https://monitoring.{settings['region']}.amazonaws.com"
    url = url + '/'
    moment = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    body = metric_data_body(settings, readings, moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ'))
    content_type = 'application/x-www-form-urlencoded; charset=utf-8'
    headers = sign_request('POST', url, settings['region'], 'monitoring', body, credentials.get(now),
                           moment.strftime('%Y%m%dT%H%M%SZ'), content_type)
    request = urllib.request.Request(url, data=body, method='POST', headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
    except urllib.error.HTTPError as err:
        detail = err.read(500).decode('utf-8', 'replace')
        raise AgentError(f'PutMetricData answered HTTP {err.code}: {detail}') from None
    except (urllib.error.URLError, OSError) as err:
        raise AgentError(f'PutMetricData failed: {getattr(err, "reason", err)}') from None


# ---------------------------------------------------------------- one cycle, and the loop


def collect(settings, now):
    """The readings of one cycle and the reason chain metrics are missing (None when present)."""
    readings = {}
    chain_problem = None
    try:
        lag, irreversible = chain_readings(read_get_info(settings), now)
        readings['HeadBlockLagSeconds'] = (lag, 'Seconds')
        readings['IrreversibleLagBlocks'] = (irreversible, 'Count')
    except AgentError as err:
        chain_problem = str(err)
    readings['PeerCount'] = (count_established(settings['proc_net'], settings['p2p_port']), 'Count')
    return readings, chain_problem


def run_once(settings, credentials, last_problem=None):
    now = time.time()
    readings, chain_problem = collect(settings, now)
    if chain_problem != last_problem:
        log(f'chain metrics withheld: {chain_problem}' if chain_problem else 'chain metrics resumed')
    put_metric_data(settings, credentials, readings, now)
    return chain_problem


def main(argv, env):
    try:
        settings = settings_from_env(env)
        if not settings['region']:
            raise AgentError('AWS_REGION is not set')
    except AgentError as err:
        log(str(err))
        return 2
    credentials = Credentials(env)
    if not settings['instance_id'] and '--once' not in argv:
        try:
            settings['instance_id'] = imds_get('meta-data/instance-id', imds_token())
        except (urllib.error.URLError, OSError) as err:
            log(f'instance id unavailable from IMDS ({err}); publishing the cluster dimension only')
    if '--once' in argv:
        try:
            run_once(settings, credentials)
        except AgentError as err:
            log(str(err))
            return 1
        return 0
    last_problem = None
    next_tick = time.monotonic()
    while True:
        try:
            last_problem = run_once(settings, credentials, last_problem)
        except AgentError as err:
            log(str(err))  # the next cycle tries again; systemd restarts the agent only if it dies
        next_tick += settings['interval']
        time.sleep(max(0.0, next_tick - time.monotonic()))
        if time.monotonic() - next_tick > settings['interval']:
            next_tick = time.monotonic()  # after a long stall, do not burst to catch up


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:], os.environ))
