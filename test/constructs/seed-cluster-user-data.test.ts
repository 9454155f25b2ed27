import {
  renderSeedNodeUserData,
  SeedNodeUserDataOptions,
  springPackageFileName,
  springPackageUrl,
} from '../../lib/constructs/seed-node-user-data';

const OPTIONS: SeedNodeUserDataOptions = {
  nodeosVersion: '1.2.2',
  p2pMaxNodesPerHost: 2,
  agentName: 'seedshield',
  blockProducerPeersParameterNames: ['/seedshield/sites/green-mountain/block-producer-peers', '/seedshield/sites/standby-bp/block-producer-peers'],
  peerKeySecretName: 'seedshield/block-producer-peer-key',
};

/** The lines of the config.ini heredoc. */
function configIni(script: string): string[] {
  const match = /cat > \/etc\/nodeos\/config\.ini <<EOF\n([\s\S]*?)\nEOF\n/.exec(script);
  if (!match) throw new Error('no config.ini heredoc in the user data');
  return match[1].split('\n');
}

describe('seed-node user data (as text, never executed)', () => {
  test('when rendered, it installs exactly the pinned spring release from its GitHub release asset', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    // THEN
    expect(springPackageUrl('1.2.2')).toBe('https://github.com/AntelopeIO/spring/releases/download/v1.2.2/antelope-spring_1.2.2_amd64.deb');
    expect(script).toContain(`'${springPackageUrl('1.2.2')}'`);
    expect(script).toContain(`apt-get install -y -q /tmp/${springPackageFileName('1.2.2')}`);
    expect(script).not.toMatch(/releases\/latest|apt-get install[^\n]*antelope-spring(?!_1\.2\.2_amd64\.deb)/);
  });

  test('when packageSha256 is set, it verifies the download before installing it', () => {
    // GIVEN
    const sha = '0123456789abcdef'.repeat(4);
    // WHEN
    const script = renderSeedNodeUserData({ ...OPTIONS, nodeosPackageSha256: sha });
    // THEN
    const check = script.indexOf(`echo '${sha}  /tmp/antelope-spring_1.2.2_amd64.deb' | sha256sum --check --strict -`);
    expect(check).toBeGreaterThan(0);
    expect(check).toBeLessThan(script.indexOf('apt-get install -y -q /tmp/antelope-spring_1.2.2_amd64.deb'));
    expect(script).toMatch(/^set -euo pipefail$/m);
  });

  test('when packageSha256 is unset, it installs without a checksum and says so on the console', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    // THEN
    expect(script).not.toContain('sha256sum');
    expect(script).toContain('installed without checksum verification');
  });

  test('when rendered, it enables chain_api only, never a producer, wallet or net API plugin', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    // THEN
    expect(configIni(script).filter((l) => l.startsWith('plugin'))).toEqual(['plugin = eosio::chain_api_plugin']);
    expect(script).not.toMatch(/producer_plugin|producer_api_plugin|wallet_api_plugin|net_api_plugin|signature-provider|producer-name/);
  });

  test('when rendered, the HTTP API binds to the private address read from IMDSv2, and p2p listens on 9876', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    const ini = configIni(script);
    // THEN
    expect(ini).toContain('http-server-address = ${PRIVATE_IP}:8888');
    expect(ini).toContain('p2p-listen-endpoint = 0.0.0.0:9876');
    expect(ini).toContain('p2p-max-nodes-per-host = 2');
    expect(ini).toContain('agent-name = seedshield');
    expect(ini.join('\n')).not.toMatch(/http-server-address\s*=\s*0\.0\.0\.0/);
    expect(script).toContain('PRIVATE_IP=$(imds local-ipv4)');
    expect(script).toContain("curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'");
    expect(script).toContain('-H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}"');
  });

  test('when rendered, it reads the block producer peers from SSM at boot, primary first, and holds no address', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    // THEN
    const primary = script.indexOf("read_peers '/seedshield/sites/green-mountain/block-producer-peers'");
    const standby = script.indexOf("read_peers '/seedshield/sites/standby-bp/block-producer-peers'");
    expect(primary).toBeGreaterThan(0);
    expect(standby).toBeGreaterThan(primary);
    expect(script).toContain('aws ssm get-parameter --name "$1" --query Parameter.Value --output text');
    expect(configIni(script)).toContain('${PEER_LINES}');
    expect(script).not.toMatch(/p2p-peer-address = \d/);
  });

  test('when rendered, it fetches the peer private key from Secrets Manager at boot and never contains a key', () => {
    // GIVEN / WHEN
    const script = renderSeedNodeUserData(OPTIONS);
    // THEN
    expect(script).toContain("aws secretsmanager get-secret-value --secret-id 'seedshield/block-producer-peer-key' --query SecretString --output text");
    expect(script).not.toMatch(/PVT_K1_|5[HJK][1-9A-HJ-NP-Za-km-z]{49}/);
    expect(configIni(script).some((l) => l.startsWith('peer-private-key'))).toBe(false);
    expect(script).toContain('chmod 0600 /etc/nodeos/config.ini');
    expect(script).not.toMatch(/^set -[a-z]*x/m);
  });

  test('when an SSM parameter name contains a quote, it stays one shell word', () => {
    // GIVEN
    const options = { ...OPTIONS, blockProducerPeersParameterNames: ["/odd/it's"] };
    // WHEN
    const script = renderSeedNodeUserData(options);
    // THEN
    expect(script).toContain(`read_peers '/odd/it'\\''s'`);
  });
});
