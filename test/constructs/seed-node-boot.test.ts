/**
 * The seed node's boot logic, executed: the scripts exactly as the user data installs them, against stubbed
 * AWS/firewall/systemd commands and a fake nodeos HTTP endpoint on 127.0.0.1.
 */
import { execFileSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SeedNodeUserDataOptions } from '../../lib/constructs/seed-node-user-data';
import { FakeNodeos, ScratchNode, springOptions } from '../support/seed-node-harness';

const EOS_MAINNET = 'aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906';
const JUNGLE = '73e4385a2708e6d7048834fbc1079f2fabb17b3c125b146af438971e90716c4d';
/** A well-formed key pair shape (not a real key: the base58 body is arbitrary). */
const PEER_KEY = `["PUB_K1_${'7'.repeat(50)}","PVT_K1_${'8'.repeat(50)}"]`;
const SNAPSHOT = Buffer.from('spring snapshot bytes');

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function zstd(bytes: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c'], { input: bytes });
}

function options(chain: Partial<SeedNodeUserDataOptions['chain']> = {}): SeedNodeUserDataOptions {
  return {
    nodeosVersion: '1.2.2',
    p2pMaxNodesPerHost: 2,
    maxClients: 250,
    agentName: 'seedshield',
    blockProducerPeersParameterNames: ['/seedshield/sites/green-mountain/block-producer-peers', '/seedshield/sites/standby-bp/block-producer-peers'],
    peerKeySecretName: 'seedshield/block-producer-peer-key',
    chain: {
      chainId: EOS_MAINNET,
      source: { kind: 'snapshot', uri: 's3://seedshield-snapshots/eos/snapshot.bin.zst', sha256: sha256(zstd(SNAPSHOT)) },
      chainStateDbSizeMb: 131072,
      blockLogRetainBlocks: 172800,
      bootGraceMinutes: 120,
      ...chain,
    },
  };
}

/** chainbase's header: "CHAINB01" then the dirty flag. */
function writeState(node: ScratchNode, dirty: boolean): void {
  fs.mkdirSync(path.join(node.data, 'state'), { recursive: true });
  fs.mkdirSync(path.join(node.data, 'blocks'), { recursive: true });
  fs.writeFileSync(path.join(node.data, 'state', 'shared_memory.bin'), Buffer.concat([Buffer.from('CHAINB01'), Buffer.from([dirty ? 1 : 0]), Buffer.alloc(1015)]));
  fs.writeFileSync(path.join(node.data, 'blocks', 'blocks.log'), 'blocks');
}

const nodes: ScratchNode[] = [];
function scratch(opts: SeedNodeUserDataOptions = options()): ScratchNode {
  const node = new ScratchNode(opts);
  nodes.push(node);
  node.fakeFile('ssm/seedshield/sites/green-mountain/block-producer-peers', '10.200.0.10:9876, bp2.example.org:9876\n');
  node.fakeFile('ssm/seedshield/sites/standby-bp/block-producer-peers', '10.210.0.10:9876\n');
  node.fakeFile('secret', `${PEER_KEY}\n`);
  node.fakeFile('s3/seedshield-snapshots/eos/snapshot.bin.zst', zstd(SNAPSHOT));
  return node;
}
afterEach(() => nodes.splice(0).forEach((n) => n.dispose()));

describe('configure-nodeos (peers and peer key read at boot)', () => {
  test('when the secret holds the nodeos key pair, it writes config.ini (0600) with the private address, both sites\' peers and the key, all options of spring 1.2.2', async () => {
    // GIVEN
    const node = scratch();
    // WHEN
    const result = await node.run('configure-nodeos.sh');
    // THEN
    expect(result.code).toBe(0);
    const file = path.join(node.conf, 'config.ini');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const ini = fs.readFileSync(file, 'utf8').split('\n');
    expect(ini).toEqual(expect.arrayContaining([
      'http-server-address = 127.0.0.1:8888',
      'p2p-peer-address = 10.200.0.10:9876',
      'p2p-peer-address = bp2.example.org:9876',
      'p2p-peer-address = 10.210.0.10:9876',
      `peer-private-key = ${PEER_KEY}`,
      'chain-state-db-size-mb = 131072',
      'block-log-retain-blocks = 172800',
      'max-clients = 250',
    ]));
    expect(ini.indexOf('p2p-peer-address = 10.200.0.10:9876')).toBeLessThan(ini.indexOf('p2p-peer-address = 10.210.0.10:9876'));
    const { cfg } = springOptions();
    const keys = ini.filter((l) => l && !l.startsWith('#')).map((l) => l.split(' = ')[0]);
    expect(keys.filter((k) => !cfg.has(k))).toEqual([]);
    expect(result.stderr).not.toContain('PVT_K1_');
  });

  test.each([
    ['a bare private key', `PVT_K1_${'8'.repeat(50)}`],
    ['the pair in the wrong order', `["PVT_K1_${'8'.repeat(50)}","PUB_K1_${'7'.repeat(50)}"]`],
    ['a JSON object', `{"public":"PUB_K1_${'7'.repeat(50)}","private":"PVT_K1_${'8'.repeat(50)}"}`],
    ['a key with a character base58 does not use', `["PUB_K1_${'0'.repeat(50)}","PVT_K1_${'8'.repeat(50)}"]`],
  ])('when the secret holds %s, it stops with exit 78 naming the secret and the expected shape, never the value, and writes no config.ini', async (_what, value) => {
    // GIVEN
    const node = scratch();
    node.fakeFile('secret', `${value}\n`);
    // WHEN
    const result = await node.run('configure-nodeos.sh');
    // THEN
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('secret seedshield/block-producer-peer-key (nodeos.peerKeySecretName) is not a nodeos peer-private-key');
    expect(result.stderr).toContain('["PUB_K1_…","PVT_K1_…"]');
    expect(result.stderr).not.toContain('8888888888');
    expect(result.stderr).not.toContain('7777777777');
    expect(fs.existsSync(path.join(node.conf, 'config.ini'))).toBe(false);
  });

  test('when the secret holds the legacy pair cleos create key prints (EOS…, 5…), it is accepted', async () => {
    // GIVEN
    const node = scratch();
    node.fakeFile('secret', `["EOS${'6'.repeat(50)}","5K${'a'.repeat(49)}"]`);
    // WHEN
    const result = await node.run('configure-nodeos.sh');
    // THEN
    expect(result.code).toBe(0);
  });

  test('when a peers parameter holds something that is not host:port, it stops naming the parameter, never the value', async () => {
    // GIVEN
    const node = scratch();
    node.fakeFile('ssm/seedshield/sites/standby-bp/block-producer-peers', '10.210.0.10:9876,10.210.0.11 ; rm -rf /\n');
    // WHEN
    const result = await node.run('configure-nodeos.sh');
    // THEN
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('SSM parameter /seedshield/sites/standby-bp/block-producer-peers: entry 2 is not host:port');
    expect(result.stderr).not.toContain('10.210.0.11');
  });

  test('when the peer key secret cannot be read, it stops naming the secret', async () => {
    // GIVEN
    const node = scratch();
    fs.rmSync(path.join(node.fake, 'secret'));
    // WHEN
    const result = await node.run('configure-nodeos.sh');
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot read secret seedshield/block-producer-peer-key');
  });
});

describe('nodeos-start (the snapshot on the first start only, recovery after a dirty stop)', () => {
  test('when the state is empty, it downloads the S3 snapshot, checks its SHA-256, decompresses it and passes --snapshot; every flag is a spring 1.2.2 option', async () => {
    // GIVEN
    const node = scratch();
    // WHEN
    const result = await node.run('nodeos-start.sh');
    // THEN
    expect(result.code).toBe(0);
    const args = node.nodeosArgs()!;
    const snapshot = args[args.indexOf('--snapshot') + 1];
    expect(args).toEqual(['--config-dir', node.conf, '--data-dir', node.data, '--snapshot', snapshot]);
    expect(fs.readFileSync(snapshot)).toEqual(SNAPSHOT);
    expect(node.calls()).toContain('aws s3 cp');
    const { cfg, cli } = springOptions();
    expect(args.filter((a) => a.startsWith('--')).map((a) => a.slice(2)).filter((o) => !cfg.has(o) && !cli.has(o))).toEqual([]);
  });

  test('when the state was closed cleanly, it starts nodeos on it with neither --snapshot nor --genesis-json, and keeps state and blocks', async () => {
    // GIVEN
    const node = scratch();
    writeState(node, false);
    // WHEN
    const result = await node.run('nodeos-start.sh');
    // THEN
    expect(result.code).toBe(0);
    expect(node.nodeosArgs()).toEqual(['--config-dir', node.conf, '--data-dir', node.data]);
    expect(fs.existsSync(path.join(node.data, 'blocks', 'blocks.log'))).toBe(true);
    expect(node.calls()).not.toContain('aws s3 cp');
  });

  test('when chainbase\'s dirty flag is set (killed mid-flush), it wipes state and blocks and restarts from the kept snapshot without downloading again', async () => {
    // GIVEN a node that bootstrapped once, then was killed
    const node = scratch();
    expect((await node.run('nodeos-start.sh')).code).toBe(0);
    writeState(node, true);
    fs.rmSync(path.join(node.fake, 'calls'));
    // WHEN
    const result = await node.run('nodeos-start.sh');
    // THEN
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('chain state is dirty: rebuilding it from the configured snapshot');
    expect(node.nodeosArgs()).toContain('--snapshot');
    expect(fs.existsSync(path.join(node.data, 'state'))).toBe(false);
    expect(fs.existsSync(path.join(node.data, 'blocks'))).toBe(false);
    expect(node.calls()).not.toContain('aws s3 cp');
  });

  test('when the snapshot object is missing, it exits 78 (no systemd restart) naming nodeos.chain.snapshot, never starts nodeos and leaves the data alone', async () => {
    // GIVEN
    const node = scratch();
    writeState(node, true);
    fs.rmSync(path.join(node.fake, 's3'), { recursive: true });
    // WHEN
    const result = await node.run('nodeos-start.sh');
    // THEN
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('snapshot s3://seedshield-snapshots/eos/snapshot.bin.zst could not be downloaded (nodeos.chain.snapshot)');
    expect(node.nodeosArgs()).toBeUndefined();
    expect(fs.existsSync(path.join(node.data, 'blocks', 'blocks.log'))).toBe(true);
  });

  test('when the snapshot URL answers 404, it exits 78 and never starts nodeos', async () => {
    // GIVEN
    const fake = new FakeNodeos();
    const port = await fake.start();
    try {
      const node = scratch(options({ source: { kind: 'snapshot', uri: `http://127.0.0.1:${port}/gone.bin`, sha256: sha256(SNAPSHOT) } }));
      // WHEN
      const result = await node.run('nodeos-start.sh');
      // THEN
      expect(result.code).toBe(78);
      expect(fake.requests).toEqual(['/gone.bin']);
      expect(node.nodeosArgs()).toBeUndefined();
    } finally {
      await fake.stop();
    }
  });

  test('when the downloaded snapshot does not match its SHA-256, it refuses it with both hashes and keeps no file', async () => {
    // GIVEN
    const fake = new FakeNodeos();
    const port = await fake.start();
    fake.files.set('/snap.bin', Buffer.from('another chain'));
    try {
      const node = scratch(options({ source: { kind: 'snapshot', uri: `http://127.0.0.1:${port}/snap.bin`, sha256: sha256(SNAPSHOT) } }));
      // WHEN
      const result = await node.run('nodeos-start.sh');
      // THEN
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(`has SHA-256 ${sha256(Buffer.from('another chain'))}, nodeos.chain.snapshot.sha256 says ${sha256(SNAPSHOT)}`);
      expect(fs.readdirSync(path.join(node.data, 'snapshots'))).toEqual([]);
      expect(node.nodeosArgs()).toBeUndefined();
    } finally {
      await fake.stop();
    }
  });

  test('when the chain comes from a genesis, the first start passes --genesis-json and a clean restart does not', async () => {
    // GIVEN
    const node = scratch(options({ source: { kind: 'genesis', genesisJson: '{"initial_timestamp":"2018-06-08T08:08:08.888"}\n' } }));
    // WHEN
    const first = await node.run('nodeos-start.sh');
    const firstArgs = node.nodeosArgs();
    writeState(node, false);
    const second = await node.run('nodeos-start.sh');
    // THEN
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(firstArgs).toEqual(['--config-dir', node.conf, '--data-dir', node.data, '--genesis-json', path.join(node.etc, 'genesis.json')]);
    expect(node.nodeosArgs()).toEqual(['--config-dir', node.conf, '--data-dir', node.data]);
  });
});

describe('chain-check (the seed ports open only on the configured chain)', () => {
  let fake: FakeNodeos;
  let port: number;
  beforeEach(async () => {
    fake = new FakeNodeos();
    port = await fake.start();
  });
  afterEach(() => fake.stop());

  test('when get_info reports the configured chain id, it opens the gate it closed', async () => {
    // GIVEN
    const node = scratch();
    node.settings({ SEEDSHIELD_HTTP_PORT: String(port) });
    fake.chainId = EOS_MAINNET;
    await node.run('chain-check.sh', ['close']);
    expect(node.gateClosed()).toBe(true);
    // WHEN
    const result = await node.run('chain-check.sh', ['verify']);
    // THEN
    expect(result.code).toBe(0);
    expect(node.gateClosed()).toBe(false);
    expect(node.calls()).toContain('iptables -w -I INPUT -p tcp -m multiport --dports 9876,8888 ! -i lo -m comment --comment seedshield-chain-gate -j REJECT --reject-with tcp-reset');
  });

  test('when get_info reports another chain id, it fails loudly, keeps the seed ports closed and stops nodeos', async () => {
    // GIVEN
    const node = scratch();
    node.settings({ SEEDSHIELD_HTTP_PORT: String(port) });
    fake.chainId = JUNGLE;
    // WHEN
    const result = await node.run('chain-check.sh', ['verify']);
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`WRONG CHAIN: nodeos serves chain id '${JUNGLE}', nodeos.chain.id is ${EOS_MAINNET}`);
    expect(node.gateClosed()).toBe(true);
    expect(node.calls()).toContain('systemctl stop --no-block nodeos.service');
    expect(node.calls().some((c) => c.startsWith('logger -t seedshield -p user.crit'))).toBe(true);
  });

  test('when nodeos never answers get_info within the boot grace, it fails and the gate stays closed', async () => {
    // GIVEN
    const node = scratch();
    // Bash's SECONDS counts whole wall-clock seconds, so a 1-second grace can end a moment after it starts, before
    // a second attempt; 3 seconds leave at least 2 to retry in (every 0.2 s).
    node.settings({ SEEDSHIELD_HTTP_PORT: String(port), SEEDSHIELD_CHAIN_CHECK_TIMEOUT_SEC: '3' });
    fake.chainId = undefined;
    await node.run('chain-check.sh', ['close']);
    // WHEN
    const result = await node.run('chain-check.sh', ['verify']);
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('did not answer');
    expect(node.gateClosed()).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(1);
  });
});

describe('first boot', () => {
  test('when IMDS fails, it stops before installing anything', async () => {
    // GIVEN a metadata endpoint that refuses connections
    const node = scratch();
    fs.writeFileSync(path.join(node.stubs, 'apt-get'), '#!/bin/bash\necho "apt-get $*" >>"$FAKE_DIR/calls"\n', { mode: 0o755 });
    // WHEN
    const result = await node.run('first-boot.sh', [], { SEEDSHIELD_IMDS_ENDPOINT: 'http://127.0.0.1:9', SEEDSHIELD_IMDS_RETRIES: '0' });
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('IMDSv2 token request to http://127.0.0.1:9 failed');
    expect(node.calls().filter((c) => c.startsWith('apt-get'))).toEqual([]);
  });

  test('when another process holds the dpkg lock, it waits until the lock is released', async () => {
    // GIVEN a process holding the lock file open for about three seconds
    const node = scratch();
    const lock = path.join(node.root, 'lock-frontend');
    fs.writeFileSync(lock, '');
    const holder = spawn('/bin/bash', ['-c', `exec 9<"${lock}"; sleep 3`], { stdio: 'ignore' });
    // Under load the holder may take a moment to open the file: start only once it holds it.
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync('fuser', [lock], { stdio: 'ignore' });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const started = Date.now();
    // WHEN
    const result = await node.run(`source "${node.lib}/common.sh"; wait_for_dpkg_lock`, [], {
      SEEDSHIELD_DPKG_LOCKS: lock,
      SEEDSHIELD_DPKG_LOCK_POLL_SEC: '1',
    });
    // THEN
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.stderr).toContain('waiting for the dpkg/apt lock');
    holder.kill();
  });
});
