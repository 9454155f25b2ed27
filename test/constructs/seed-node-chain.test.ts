/** `nodeos.chain` from the configuration to the synthesized seed nodes: validation, IAM, volume and grace. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SeedCluster, SeedClusterProps } from '../../lib/constructs/seed-cluster';
import { configWith, problemsFor } from '../support/example';
import { seedClusterProps } from '../support/seed-cluster-props';

function cluster(overrides: Partial<SeedClusterProps> = {}): Stack {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  new SeedCluster(stack, 'Cluster', seedClusterProps(stack, overrides));
  return stack;
}

describe('nodeos.chain configuration', () => {
  test('when the example is loaded, it serves EOS mainnet from an S3 snapshot with mainnet-sized defaults', () => {
    // GIVEN / WHEN
    const config = configWith(() => undefined);
    // THEN
    expect(config.nodeos.chain).toMatchObject({
      id: 'aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906',
      snapshot: { s3: { bucket: 'seedshield-snapshots-111111111111', key: 'eos-mainnet/snapshot-2026-11-30.bin.zst' } },
      chainStateDbSizeMb: 131072,
      blockLogRetainBlocks: 172800,
    });
    expect(config.nodeos.maxClients).toBe(250);
  });

  test('when both a snapshot and a genesis are given, it asks for exactly one', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.nodeos.chain.genesis = { file: 'chains/x.json', sha256: 'ab'.repeat(32) }));
    // THEN
    expect(problems).toEqual([expect.stringMatching(/^nodeos\.chain: needs exactly one of "snapshot" or "genesis"/)]);
  });

  test('when the snapshot has both a URL and an S3 object, or neither, it asks for exactly one', () => {
    // GIVEN / WHEN
    const both = problemsFor((raw) => (raw.nodeos.chain.snapshot.url = 'https://snapshots.example.org/eos.bin.zst'));
    const neither = problemsFor((raw) => delete raw.nodeos.chain.snapshot.s3);
    // THEN
    expect(both).toEqual([expect.stringMatching(/^nodeos\.chain\.snapshot: needs exactly one of "url" or "s3"/)]);
    expect(neither).toEqual(both);
  });

  test('when the chain id or the snapshot hash is malformed, or the chain is missing, it names the field and the fix', () => {
    // GIVEN / WHEN
    const id = problemsFor((raw) => (raw.nodeos.chain.id = 'EOS'));
    const sha = problemsFor((raw) => (raw.nodeos.chain.snapshot.sha256 = 'latest'));
    const missing = problemsFor((raw) => delete raw.nodeos.chain);
    const http = problemsFor((raw) => {
      delete raw.nodeos.chain.snapshot.s3;
      raw.nodeos.chain.snapshot.url = 'http://snapshots.example.org/eos.bin';
    });
    // THEN
    expect(id).toEqual([expect.stringMatching(/^nodeos\.chain\.id: must be the chain id as get_info reports it: 64 lower-case hex digits\. Fix: EOS mainnet is "aca376f2/)]);
    expect(sha).toEqual([expect.stringMatching(/^nodeos\.chain\.snapshot\.sha256: must be the 64-lower-case-hex-digit SHA-256/)]);
    expect(missing).toEqual([expect.stringMatching(/^nodeos\.chain: /)]);
    expect(http).toEqual([expect.stringMatching(/^nodeos\.chain\.snapshot\.url: must be an https:\/\/ URL/)]);
  });

  test('when max-clients is 0 (unlimited) or the retention is under an hour of blocks, it is rejected', () => {
    // GIVEN / WHEN
    const clients = problemsFor((raw) => (raw.nodeos.maxClients = 0));
    const retention = problemsFor((raw) => (raw.nodeos.chain.blockLogRetainBlocks = 100));
    // THEN
    expect(clients).toEqual([expect.stringMatching(/^nodeos\.maxClients: must be at least 1/)]);
    expect(retention).toEqual([expect.stringMatching(/^nodeos\.chain\.blockLogRetainBlocks: must be at least 7200/)]);
  });
});

describe('seed nodes for the configured chain', () => {
  test('when the snapshot comes from a URL, the role gets no S3 access at all', () => {
    // GIVEN / WHEN
    const template = Template.fromStack(cluster());
    // THEN
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('s3:');
  });

  test('when the volume is smaller than the chain needs below the 90 % resource-monitor threshold, synth fails naming the field', () => {
    // GIVEN / WHEN
    const build = () => cluster({ seedNodeVolumeSizeGiB: 300 });
    // THEN
    expect(build).toThrow('volumeSizeGiB (clusters[].seedNodes.volumeSizeGiB) must be at least 461 GiB for this chain (state, retained blocks and snapshot below nodeos\'s 90 % resource-monitor threshold), got: 300');
  });

  test('when synthesized, the group gives a new node the boot grace plus 15 minutes before the load balancer health check may replace it', () => {
    // GIVEN / WHEN
    const template = Template.fromStack(cluster());
    // THEN
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { HealthCheckGracePeriod: 135 * 60 });
  });

  test('when synthesized, the seed nodes\' user data (boot scripts and node agent) is gzip under 16 KiB and passes shellcheck', () => {
    // GIVEN
    const template = Template.fromStack(cluster());
    const packed = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))
      .map((lt: any) => lt.Properties.LaunchTemplateData.UserData)
      .filter((u) => typeof u === 'string');
    expect(packed).toHaveLength(1);
    const raw = Buffer.from(packed[0], 'base64');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-ud-')), 'user-data.sh');
    fs.writeFileSync(file, gunzipSync(raw));
    // WHEN
    let findings = '';
    try {
      execFileSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
    } catch (e) {
      findings = (e as { stdout?: string }).stdout ?? String(e);
    }
    // THEN
    expect(raw.length).toBeLessThan(16 * 1024);
    expect(fs.readFileSync(file, 'utf8')).toContain('/opt/seedshield/bin/first-boot');
    expect(fs.readFileSync(file, 'utf8')).toContain('seedshield-node-agent.service');
    expect(findings).toBe('');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
