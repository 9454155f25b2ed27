/**
 * The boot logic of a seed node: real bash scripts (`lib/constructs/seed-node/*.sh`, executed by the tests)
 * embedded into user data together with what is rendered from the configuration (settings, the static part
 * of nodeos's config.ini, the systemd units).
 *
 * No aws-cdk-lib here; the only I/O is reading the packaged scripts and, for a genesis chain, the pinned
 * genesis file. Secrets never appear in the output: the block producers' peer addresses and the peer private
 * key are read at boot, from SSM Parameter Store and Secrets Manager, by the instance role.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../errors';

/** TCP port of the Antelope p2p listener (what peers connect to through the NLB). */
export const P2P_PORT = 9876;

/** TCP port nodeos serves its HTTP API on (the NLB terminates TLS 443 in front of it when configured). */
export const HTTP_API_PORT = 8888;

/**
 * The only nodeos plugins a seed node enables. A seed node relays blocks and answers read-mostly API calls:
 * `producer_plugin`, `producer_api_plugin` and `wallet_api_plugin` must never run on a host the internet
 * reaches (a producing seed would fork the chain; the wallet API would expose keys). `net_api_plugin` is left
 * out too: its `/v1/net/connect` and `/v1/net/disconnect` would let anyone on the public API port rewire the
 * seed's peers, including the link to the block producer.
 */
export const SEED_NODE_PLUGINS = ['eosio::chain_api_plugin'] as const;

/** Plugins that must never appear on a seed node, checked by {@link renderSeedNodeUserData}. */
export const FORBIDDEN_PLUGINS = ['producer_plugin', 'producer_api_plugin', 'wallet_api_plugin', 'net_api_plugin'] as const;

/**
 * nodeos's resource monitor shuts the node down (cleanly) when a data directory's file system is this full:
 * spring 1.2 `resource_monitor_plugin` `def_space_threshold`. Written explicitly into config.ini and used by
 * {@link requiredDataVolumeGiB}, so the volume is sized for the point where nodeos stops, not for 100 %.
 */
export const RESOURCE_MONITOR_SPACE_THRESHOLD_PERCENT = 90;

/**
 * Sustained write rate assumed for the stop timeout: gp3's baseline throughput, 125 MiB/s.
 * @see https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type
 */
export const GP3_BASELINE_THROUGHPUT_MIBPS = 125;

/** Where the scripts live in this repository, and where the user data installs each of them. */
export const SEED_NODE_SCRIPTS_DIR = path.join(__dirname, 'seed-node');
export const SEED_NODE_SCRIPTS: Readonly<Record<string, string>> = {
  'common.sh': '/opt/seedshield/lib/common.sh',
  'first-boot.sh': '/opt/seedshield/bin/first-boot',
  'configure-nodeos.sh': '/opt/seedshield/bin/configure-nodeos',
  'nodeos-start.sh': '/opt/seedshield/bin/nodeos-start',
  'chain-check.sh': '/opt/seedshield/bin/chain-check',
};

/**
 * The EC2 limit on user data, in raw form before base64 encoding. The seed node group gzips the user data
 * (cloud-init decompresses it), so this bounds the compressed size; the rendered text alone stays below it too.
 */
export const USER_DATA_MAX_BYTES = 16 * 1024;

/** Where a seed node's chain comes from on its first start (and after a dirty shutdown). */
export type SeedNodeChainSource =
  /** A snapshot: `https://…` or `s3://bucket/key`, checked against `sha256` before use. */
  | { readonly kind: 'snapshot'; readonly uri: string; readonly sha256: string }
  /** A genesis: the JSON text, already checked against its pinned hash (see {@link loadPinnedGenesis}). */
  | { readonly kind: 'genesis'; readonly genesisJson: string };

/** The chain a seed node serves, and how much of it it keeps. */
export interface SeedNodeChainOptions {
  /** The chain id `get_info` must report (64 lower-case hex digits). */
  readonly chainId: string;
  /** Snapshot or genesis. */
  readonly source: SeedNodeChainSource;
  /** `chain-state-db-size-mb`. */
  readonly chainStateDbSizeMb: number;
  /** `block-log-retain-blocks`. */
  readonly blockLogRetainBlocks: number;
  /** How long the chain check waits for nodeos's first get_info (snapshot download and load). */
  readonly bootGraceMinutes: number;
}

/** Inputs of {@link renderSeedNodeUserData}. */
export interface SeedNodeUserDataOptions {
  /** AntelopeIO/spring release to install, e.g. "1.2.2" (the GitHub release tag without its "v"). */
  readonly nodeosVersion: string;
  /**
   * SHA-256 of the release .deb. When set, the script refuses to install any other file.
   * @default - the package is installed unverified (the construct warns at synth)
   */
  readonly nodeosPackageSha256?: string;
  /** `p2p-max-nodes-per-host`. */
  readonly p2pMaxNodesPerHost: number;
  /** `max-clients`: inbound p2p connections accepted at once. */
  readonly maxClients: number;
  /** `agent-name` announced to peers. */
  readonly agentName: string;
  /**
   * Names of the SSM parameters holding the block producers' p2p addresses (`host:port[,host:port]`), the
   * primary site's first. Read at boot; the addresses never enter the template.
   */
  readonly blockProducerPeersParameterNames: readonly string[];
  /** Name of the Secrets Manager secret holding the `peer-private-key` value. Read at boot. */
  readonly peerKeySecretName: string;
  /** The chain. */
  readonly chain: SeedNodeChainOptions;
}

/** Name of the release asset, as published on github.com/AntelopeIO/spring/releases. */
export function springPackageFileName(version: string): string {
  return `antelope-spring_${version}_amd64.deb`;
}

/** Download URL of the pinned release asset. */
export function springPackageUrl(version: string): string {
  return `https://github.com/AntelopeIO/spring/releases/download/v${version}/${springPackageFileName(version)}`;
}

/** Quotes a value for a POSIX shell (single quotes, embedded single quotes escaped). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Reads a genesis file and checks it against its pinned SHA-256: the file is part of the chain's identity,
 * so an edited file must fail synth, not boot a node on another chain.
 */
export function loadPinnedGenesis(file: string, sha256: string, baseDir: string): string {
  const resolved = path.resolve(baseDir, file);
  if (!fs.existsSync(resolved)) {
    throw new ValidationError(`nodeos.chain.genesis.file: ${JSON.stringify(file)} does not exist (resolved against ${baseDir}). Fix: commit the chain's genesis.json and point at it`);
  }
  const bytes = fs.readFileSync(resolved);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) {
    throw new ValidationError(`nodeos.chain.genesis.sha256 does not match ${file}: the file hashes to ${actual}. Fix: if the file is the right genesis, pin that hash; otherwise restore the file`);
  }
  return bytes.toString('utf8');
}

/**
 * TimeoutStopSec of nodeos.service. In spring's default `database-map-mode = mapped`, chainbase's
 * `pinnable_mapped_file` destructor msyncs the whole state mapping and only then clears the dirty flag
 * (chainbase `src/pinnable_mapped_file.cpp`). In the worst case every page of the state is dirty (right after
 * a snapshot load, which writes the entire state), so the stop must allow the whole state file to be written
 * at the volume's baseline throughput, plus two minutes for net and HTTP shutdown. systemd's default 90 s
 * would SIGKILL nodeos mid-flush and leave the dirty flag set.
 */
export function nodeosStopTimeoutSeconds(chainStateDbSizeMb: number): number {
  return Math.ceil(chainStateDbSizeMb / GP3_BASELINE_THROUGHPUT_MIBPS) + 120;
}

/** Upper bound of the average block size, for sizing the retained block log. */
const BLOCK_SIZE_BOUND_KIB = 64;
/** Ubuntu, the spring package, apt caches and logs. */
const SYSTEM_RESERVE_GIB = 20;

/**
 * The smallest volume that holds a full state, the retained block log and, for a snapshot chain, the
 * downloaded snapshot and its decompressed copy (each bounded by the state size: a snapshot serializes the
 * state), below the resource monitor's threshold.
 */
export function requiredDataVolumeGiB(chain: Pick<SeedNodeChainOptions, 'chainStateDbSizeMb' | 'blockLogRetainBlocks' | 'source'>): number {
  const stateGiB = chain.chainStateDbSizeMb / 1024;
  const snapshotGiB = chain.source.kind === 'snapshot' ? 2 * stateGiB : 0;
  const blocksGiB = (chain.blockLogRetainBlocks * BLOCK_SIZE_BOUND_KIB) / (1024 * 1024);
  return Math.ceil((stateGiB + snapshotGiB + blocksGiB + SYSTEM_RESERVE_GIB) / (RESOURCE_MONITOR_SPACE_THRESHOLD_PERCENT / 100));
}

/**
 * The static part of config.ini (no secrets). `configure-nodeos` appends `http-server-address` (the private
 * address, known at boot), the block producer peers and the peer key.
 */
export function renderNodeosBaseConfig(options: SeedNodeUserDataOptions): string {
  return [
    '# Rendered by seedshield at synth; configure-nodeos appends the address, peers and peer key at boot.',
    `agent-name = ${options.agentName}`,
    `p2p-listen-endpoint = 0.0.0.0:${P2P_PORT}`,
    `p2p-max-nodes-per-host = ${options.p2pMaxNodesPerHost}`,
    `max-clients = ${options.maxClients}`,
    '# Peers reach the API under the public seed name, not this address.',
    'http-validate-host = false',
    `chain-state-db-size-mb = ${options.chain.chainStateDbSizeMb}`,
    '# The stop timeout is argued for this mode (see nodeos.service).',
    'database-map-mode = mapped',
    `block-log-retain-blocks = ${options.chain.blockLogRetainBlocks}`,
    `resource-monitor-space-threshold = ${RESOURCE_MONITOR_SPACE_THRESHOLD_PERCENT}`,
    ...SEED_NODE_PLUGINS.map((p) => `plugin = ${p}`),
    '',
  ].join('\n');
}

/** nodeos.service. */
export function renderNodeosUnit(options: SeedNodeUserDataOptions): string {
  return [
    '[Unit]',
    'Description=Antelope seed node (seedshield)',
    'After=network-online.target',
    'Wants=network-online.target',
    '# Five failed starts in an hour are not recoverable on this host: the unit stays failed, the seed ports',
    '# stay closed, the NLB marks the node unhealthy and the Auto Scaling group replaces it.',
    'StartLimitIntervalSec=3600',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'User=nodeos',
    'Group=nodeos',
    '# "+": the chain gate (host firewall) needs root; nodeos itself does not.',
    'ExecStartPre=+/opt/seedshield/bin/chain-check close',
    'ExecStart=/opt/seedshield/bin/nodeos-start',
    'ExecStartPost=+/bin/systemctl --no-block restart seedshield-chain-check.service',
    'ExecStop=+/opt/seedshield/bin/chain-check close',
    'ExecStopPost=+/opt/seedshield/bin/chain-check close',
    'Restart=on-failure',
    'RestartSec=30',
    '# 78 (EX_CONFIG): bad snapshot, genesis or settings; restarting would only repeat it.',
    'RestartPreventExitStatus=78',
    '# SIGTERM is a clean stop for nodeos; chainbase then flushes the state file (nodeosStopTimeoutSeconds).',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${nodeosStopTimeoutSeconds(options.chain.chainStateDbSizeMb)}`,
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** seedshield-chain-check.service: opens the seed ports once get_info reports the configured chain id. */
export const CHAIN_CHECK_UNIT = [
  '[Unit]',
  'Description=seedshield chain gate: open the seed ports once nodeos serves the configured chain',
  'BindsTo=nodeos.service',
  'After=nodeos.service',
  '',
  '[Service]',
  'Type=oneshot',
  'RemainAfterExit=yes',
  'ExecStart=/opt/seedshield/bin/chain-check verify',
  '# chain-check has its own deadline (the boot grace).',
  'TimeoutStartSec=infinity',
  '',
].join('\n');

/** The settings file the scripts source (`/etc/seedshield/seed-node.env`). No secrets. */
export function renderSeedNodeEnv(options: SeedNodeUserDataOptions): string {
  const { chain } = options;
  for (const name of options.blockProducerPeersParameterNames) {
    if (/\s/.test(name)) throw new ValidationError(`SSM parameter names cannot contain whitespace, got: ${JSON.stringify(name)}`);
  }
  const settings: Record<string, string> = {
    SEEDSHIELD_CHAIN_ID: chain.chainId,
    SEEDSHIELD_CHAIN_SOURCE: chain.source.kind,
    ...(chain.source.kind === 'snapshot'
      ? { SEEDSHIELD_SNAPSHOT_SOURCE: chain.source.uri, SEEDSHIELD_SNAPSHOT_SHA256: chain.source.sha256 }
      : { SEEDSHIELD_GENESIS_FILE: '/etc/seedshield/genesis.json' }),
    SEEDSHIELD_CHAIN_CHECK_TIMEOUT_SEC: String(chain.bootGraceMinutes * 60),
    SEEDSHIELD_NODEOS_DATA_DIR: '/var/lib/nodeos/data',
    SEEDSHIELD_NODEOS_CONFIG_DIR: '/etc/nodeos',
    SEEDSHIELD_HTTP_PORT: String(HTTP_API_PORT),
    SEEDSHIELD_SEED_PORTS: `${P2P_PORT},${HTTP_API_PORT}`,
    SEEDSHIELD_PEERS_PARAMETERS: options.blockProducerPeersParameterNames.join(' '),
    SEEDSHIELD_PEER_KEY_SECRET: options.peerKeySecretName,
    SEEDSHIELD_NODEOS_DEB_URL: springPackageUrl(options.nodeosVersion),
    SEEDSHIELD_NODEOS_DEB_SHA256: options.nodeosPackageSha256 ?? '',
  };
  return Object.entries(settings).map(([k, v]) => `${k}=${shellQuote(v)}\n`).join('');
}

const HEREDOC_END = 'SEEDSHIELD_EOF';

/** `cat > path <<'END' … END` with a quoted delimiter (no expansion), then the file mode. */
function writeFile(target: string, content: string, mode: string): string[] {
  if (content.split('\n').includes(HEREDOC_END)) throw new ValidationError(`${target} contains the heredoc delimiter ${HEREDOC_END}`);
  return [`cat > ${target} <<'${HEREDOC_END}'`, content.replace(/\n$/, ''), HEREDOC_END, `chmod ${mode} ${target}`];
}

/**
 * The packaged script `name` (see {@link SEED_NODE_SCRIPTS}) as installed: comment lines are dropped (the
 * repository keeps them) to stay under EC2's 16 KiB user data limit; the shebang and shellcheck directives stay.
 * The scripts hold no multi-line strings, so a line starting with `#` is always a comment.
 */
export function seedNodeScript(name: string): string {
  return fs
    .readFileSync(path.join(SEED_NODE_SCRIPTS_DIR, name), 'utf8')
    .split('\n')
    .filter((line, i) => !/^\s*#/.test(line) || (i === 0 && line.startsWith('#!')) || /^\s*# shellcheck /.test(line))
    .join('\n');
}

/**
 * Renders the seed node's user data (a bash script): it writes the scripts, settings, config.ini base and
 * systemd units, runs `first-boot`, then exports `PRIVATE_IP` and `AWS_DEFAULT_REGION` for parts appended
 * after it (the node agent's install). It does not `set -x`: the peer key passes through a shell variable
 * at boot and must not reach the console log.
 */
export function renderSeedNodeUserData(options: SeedNodeUserDataOptions): string {
  const files: string[] = [];
  for (const [name, target] of Object.entries(SEED_NODE_SCRIPTS)) files.push(...writeFile(target, seedNodeScript(name), '0755'));
  files.push(...writeFile('/etc/seedshield/seed-node.env', renderSeedNodeEnv(options), '0644'));
  files.push(...writeFile('/etc/seedshield/nodeos-base.ini', renderNodeosBaseConfig(options), '0644'));
  if (options.chain.source.kind === 'genesis') {
    files.push(...writeFile('/etc/seedshield/genesis.json', options.chain.source.genesisJson, '0644'));
  }
  files.push(...writeFile('/etc/systemd/system/nodeos.service', renderNodeosUnit(options), '0644'));
  files.push(...writeFile('/etc/systemd/system/seedshield-chain-check.service', CHAIN_CHECK_UNIT, '0644'));

  const script = [
    '#!/bin/bash',
    '# seedshield seed node: generated by lib/constructs/seed-node-user-data.ts from lib/constructs/seed-node/.',
    '# Do not edit by hand.',
    'set -euo pipefail',
    'umask 022',
    'install -d -m 0755 /opt/seedshield/bin /opt/seedshield/lib /etc/seedshield',
    ...files,
    '/opt/seedshield/bin/first-boot',
    '# For what follows in the user data (the node agent): the address and region first-boot read from IMDS.',
    '# shellcheck source=/dev/null',
    '. /etc/seedshield/runtime.env',
    'export PRIVATE_IP="${SEEDSHIELD_PRIVATE_IP}" AWS_DEFAULT_REGION',
    '',
  ].join('\n');

  // Defence in depth: whatever the inputs, a seed node never loads a producing or wallet plugin.
  for (const forbidden of FORBIDDEN_PLUGINS) {
    if (new RegExp(`^\\s*plugin\\s*=\\s*eosio::${forbidden}\\s*$`, 'm').test(script)) {
      throw new ValidationError(`seed-node user data must never enable ${forbidden}`);
    }
  }
  if (Buffer.byteLength(script) > USER_DATA_MAX_BYTES) {
    throw new ValidationError(`seed-node user data is ${Buffer.byteLength(script)} bytes, over EC2's ${USER_DATA_MAX_BYTES}-byte limit`);
  }
  return script;
}
