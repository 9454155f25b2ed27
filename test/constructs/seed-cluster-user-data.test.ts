import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CHAIN_CHECK_UNIT,
  loadPinnedGenesis,
  nodeosStopTimeoutSeconds,
  renderNodeosBaseConfig,
  renderNodeosUnit,
  renderSeedNodeUserData,
  requiredDataVolumeGiB,
  SEED_NODE_SCRIPTS,
  SEED_NODE_SCRIPTS_DIR,
  SeedNodeUserDataOptions,
  springPackageUrl,
  USER_DATA_MAX_BYTES,
} from '../../lib/constructs/seed-node-user-data';
import { springOptions, userDataFiles } from '../support/seed-node-harness';

const OPTIONS: SeedNodeUserDataOptions = {
  nodeosVersion: '1.2.2',
  p2pMaxNodesPerHost: 2,
  maxClients: 250,
  agentName: 'seedshield',
  blockProducerPeersParameterNames: ['/seedshield/sites/green-mountain/block-producer-peers', '/seedshield/sites/standby-bp/block-producer-peers'],
  peerKeySecretName: 'seedshield/block-producer-peer-key',
  chain: {
    chainId: 'aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906',
    source: { kind: 'snapshot', uri: 's3://seedshield-snapshots-111111111111/eos-mainnet/snapshot.bin.zst', sha256: 'ab'.repeat(32) },
    chainStateDbSizeMb: 131072,
    blockLogRetainBlocks: 172800,
    bootGraceMinutes: 120,
  },
};

/** A genesis the size of EOS mainnet's (about 1.5 KB), for the user data size limit. */
const GENESIS = `${JSON.stringify({ initial_timestamp: '2018-06-08T08:08:08.888', initial_key: `EOS${'7'.repeat(50)}`, initial_configuration: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`parameter_number_${i}`, 1000 + i])) }, null, 2)}\n`;

/** `KEY=value` settings of seed-node.env, unquoted. */
function settings(userData: string): Record<string, string> {
  const env = userDataFiles(userData).get('/etc/seedshield/seed-node.env')!;
  return Object.fromEntries(env.trim().split('\n').map((l) => {
    const [, k, v] = /^(\w+)='(.*)'$/.exec(l)!;
    return [k, v.replace(/'\\''/g, "'")];
  }));
}

function shellcheck(file: string): string {
  try {
    // -x -P: follow `source common.sh` to the installed copy beside the script.
    execFileSync('shellcheck', ['--shell=bash', '--severity=style', '-x', '-P', path.dirname(file), file], { encoding: 'utf8' });
    return '';
  } catch (e) {
    const err = e as { code?: string; stdout?: string };
    if (err.code === 'ENOENT') throw new Error('shellcheck is not installed: apt-get install -y shellcheck (.ci/run does this)', { cause: e });
    return err.stdout ?? String(e);
  }
}

describe('seed-node user data (as rendered)', () => {
  test('when rendered, the user data and every script it installs pass shellcheck', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-shellcheck-'));
    const userData = renderSeedNodeUserData(OPTIONS);
    // WHEN
    fs.writeFileSync(path.join(dir, 'user-data.sh'), userData);
    const findings = [shellcheck(path.join(dir, 'user-data.sh'))];
    for (const [name, target] of Object.entries(SEED_NODE_SCRIPTS)) fs.writeFileSync(path.join(dir, name), userDataFiles(userData).get(target)!);
    for (const name of Object.keys(SEED_NODE_SCRIPTS)) findings.push(shellcheck(path.join(dir, name)));
    fs.rmSync(dir, { recursive: true, force: true });
    // THEN
    expect(findings.filter(Boolean)).toEqual([]);
  });

  test('when rendered with a snapshot or an EOS-mainnet-sized genesis, it stays under EC2\'s 16 KiB user data limit', () => {
    // GIVEN / WHEN
    const snapshot = renderSeedNodeUserData(OPTIONS);
    const genesis = renderSeedNodeUserData({ ...OPTIONS, chain: { ...OPTIONS.chain, source: { kind: 'genesis', genesisJson: GENESIS } } });
    // THEN
    expect(Buffer.byteLength(snapshot)).toBeLessThan(USER_DATA_MAX_BYTES);
    expect(Buffer.byteLength(genesis)).toBeLessThan(USER_DATA_MAX_BYTES);
    expect(userDataFiles(genesis).get('/etc/seedshield/genesis.json')).toBe(GENESIS);
  });

  test('when rendered, it installs the packaged scripts with only their comment lines dropped, then runs first-boot and hands its address and region to what follows', () => {
    // GIVEN / WHEN
    const userData = renderSeedNodeUserData(OPTIONS);
    const files = userDataFiles(userData);
    // THEN
    for (const [name, target] of Object.entries(SEED_NODE_SCRIPTS)) {
      const code = (text: string) => text.split('\n').filter((l) => !/^\s*#/.test(l) || /^\s*# shellcheck /.test(l));
      expect(code(files.get(target)!)).toEqual(code(fs.readFileSync(path.join(SEED_NODE_SCRIPTS_DIR, name), 'utf8')));
    }
    const tail = userData.trimEnd().split('\n').slice(-5);
    expect(tail[0]).toBe('/opt/seedshield/bin/first-boot');
    expect(tail[4]).toBe('export PRIVATE_IP="${SEEDSHIELD_PRIVATE_IP}" AWS_DEFAULT_REGION');
    expect(userData).toMatch(/^set -euo pipefail$/m);
    expect(userData).not.toMatch(/^set -[a-z]*x/m);
  });

  test('when rendered, it installs exactly the pinned spring release, verified when packageSha256 is set', () => {
    // GIVEN
    const sha = '0123456789abcdef'.repeat(4);
    // WHEN
    const pinned = settings(renderSeedNodeUserData({ ...OPTIONS, nodeosPackageSha256: sha }));
    const unpinned = settings(renderSeedNodeUserData(OPTIONS));
    const firstBoot = fs.readFileSync(path.join(SEED_NODE_SCRIPTS_DIR, 'first-boot.sh'), 'utf8');
    // THEN
    expect(pinned.SEEDSHIELD_NODEOS_DEB_URL).toBe(springPackageUrl('1.2.2'));
    expect(springPackageUrl('1.2.2')).toBe('https://github.com/AntelopeIO/spring/releases/download/v1.2.2/antelope-spring_1.2.2_amd64.deb');
    expect(pinned.SEEDSHIELD_NODEOS_DEB_SHA256).toBe(sha);
    expect(unpinned.SEEDSHIELD_NODEOS_DEB_SHA256).toBe('');
    expect(firstBoot.indexOf('sha256sum --check --strict -')).toBeLessThan(firstBoot.indexOf('apt_get install -y "$deb"'));
    expect(firstBoot).toContain('installed without checksum verification');
  });

  test('when rendered, config.ini enables chain_api only, sizes the chain from config, and every option exists in spring 1.2.2\'s config file options', () => {
    // GIVEN / WHEN
    const ini = renderNodeosBaseConfig(OPTIONS).split('\n');
    const { cfg } = springOptions();
    // THEN
    expect(ini.filter((l) => l.startsWith('plugin'))).toEqual(['plugin = eosio::chain_api_plugin']);
    expect(ini).toEqual(expect.arrayContaining([
      'p2p-listen-endpoint = 0.0.0.0:9876',
      'p2p-max-nodes-per-host = 2',
      'max-clients = 250',
      'agent-name = seedshield',
      'chain-state-db-size-mb = 131072',
      'block-log-retain-blocks = 172800',
      'database-map-mode = mapped',
      'resource-monitor-space-threshold = 90',
    ]));
    const keys = ini.filter((l) => l && !l.startsWith('#')).map((l) => l.split(' = ')[0]);
    expect(keys.filter((k) => !cfg.has(k))).toEqual([]);
    // Command-line-only options would make nodeos refuse the file ("Unknown option … inside the config file").
    expect(keys).not.toEqual(expect.arrayContaining(['snapshot']));
    expect(ini.join('\n')).not.toMatch(/producer_plugin|producer_api_plugin|wallet_api_plugin|net_api_plugin|signature-provider|producer-name|http-server-address/);
  });

  test('when rendered, the block producer peers are read from SSM at boot, primary first, and no address or key is in the user data', () => {
    // GIVEN / WHEN
    const userData = renderSeedNodeUserData(OPTIONS);
    const env = settings(userData);
    // THEN
    expect(env.SEEDSHIELD_PEERS_PARAMETERS).toBe('/seedshield/sites/green-mountain/block-producer-peers /seedshield/sites/standby-bp/block-producer-peers');
    expect(env.SEEDSHIELD_PEER_KEY_SECRET).toBe('seedshield/block-producer-peer-key');
    expect(userData).not.toMatch(/p2p-peer-address = \d|PVT_K1_[1-9A-HJ-NP-Za-km-z]{20}|5[HJK][1-9A-HJ-NP-Za-km-z]{49}/);
  });

  test('when rendered with a snapshot, the settings carry the chain id, the source and its hash; never --snapshot in a file nodeos reads', () => {
    // GIVEN / WHEN
    const env = settings(renderSeedNodeUserData(OPTIONS));
    // THEN
    expect(env).toMatchObject({
      SEEDSHIELD_CHAIN_ID: OPTIONS.chain.chainId,
      SEEDSHIELD_CHAIN_SOURCE: 'snapshot',
      SEEDSHIELD_SNAPSHOT_SOURCE: 's3://seedshield-snapshots-111111111111/eos-mainnet/snapshot.bin.zst',
      SEEDSHIELD_SNAPSHOT_SHA256: 'ab'.repeat(32),
      SEEDSHIELD_SEED_PORTS: '9876,8888',
      SEEDSHIELD_CHAIN_CHECK_TIMEOUT_SEC: '7200',
    });
  });

  test('when a setting contains a quote, it stays one shell word', () => {
    // GIVEN
    const options = { ...OPTIONS, peerKeySecretName: "odd'name" };
    // WHEN
    const userData = renderSeedNodeUserData(options);
    // THEN
    expect(userData).toContain(`SEEDSHIELD_PEER_KEY_SECRET='odd'\\''name'`);
    expect(settings(userData).SEEDSHIELD_PEER_KEY_SECRET).toBe("odd'name");
  });
});

describe('nodeos.service (clean stops, recovery without a restart loop)', () => {
  test('when rendered, the stop timeout lets chainbase write the whole state at gp3 baseline throughput, far beyond systemd\'s 90 s', () => {
    // GIVEN / WHEN
    const unit = renderNodeosUnit(OPTIONS).split('\n');
    // THEN: 128 GiB / 125 MiB/s = 1049 s, plus 120 s
    expect(nodeosStopTimeoutSeconds(131072)).toBe(1169);
    expect(nodeosStopTimeoutSeconds(1024)).toBe(129);
    expect(unit).toContain('TimeoutStopSec=1169');
    expect(unit).toContain('KillSignal=SIGTERM');
  });

  test('when rendered, nodeos starts through nodeos-start behind a closed chain gate, restarts on failure, but not on a configuration error', () => {
    // GIVEN / WHEN
    const unit = renderNodeosUnit(OPTIONS).split('\n');
    // THEN
    expect(unit).toEqual(expect.arrayContaining([
      'User=nodeos',
      'ExecStartPre=+/opt/seedshield/bin/chain-check close',
      'ExecStart=/opt/seedshield/bin/nodeos-start',
      'ExecStartPost=+/bin/systemctl --no-block restart seedshield-chain-check.service',
      'ExecStop=+/opt/seedshield/bin/chain-check close',
      'ExecStopPost=+/opt/seedshield/bin/chain-check close',
      'Restart=on-failure',
      'RestartPreventExitStatus=78',
    ]));
    expect(unit.indexOf('StartLimitIntervalSec=3600')).toBeLessThan(unit.indexOf('[Service]'));
    expect(CHAIN_CHECK_UNIT).toContain('BindsTo=nodeos.service');
    expect(CHAIN_CHECK_UNIT).toContain('ExecStart=/opt/seedshield/bin/chain-check verify');
  });
});

describe('sizing and the pinned genesis', () => {
  test('when the defaults for EOS mainnet are used, the default 500 GiB volume holds state, blocks and snapshot below the 90 % threshold', () => {
    // GIVEN / WHEN
    const required = requiredDataVolumeGiB(OPTIONS.chain);
    // THEN: (128 state + 256 snapshot + 10.5 blocks + 20 system) / 0.9
    expect(required).toBe(461);
    expect(required).toBeLessThanOrEqual(500);
    expect(requiredDataVolumeGiB({ ...OPTIONS.chain, source: { kind: 'genesis', genesisJson: '{}' } })).toBe(177);
  });

  test('when the genesis file does not match its pinned hash, it names the field and the actual hash', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-genesis-'));
    fs.writeFileSync(path.join(dir, 'g.json'), '{}\n');
    // WHEN
    const load = () => loadPinnedGenesis('g.json', '00'.repeat(32), dir);
    // THEN
    expect(load).toThrow('nodeos.chain.genesis.sha256 does not match g.json: the file hashes to ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356');
    expect(loadPinnedGenesis('g.json', 'ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356', dir)).toBe('{}\n');
    expect(() => loadPinnedGenesis('missing.json', '00'.repeat(32), dir)).toThrow('nodeos.chain.genesis.file: "missing.json" does not exist');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
