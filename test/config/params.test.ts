/**
 * `seedshield params`: what must exist in each region before a deploy, derived from the config (names only).
 */
import { createCommand, expectedParameters, paramsMain, renderParams } from '../../cli/params';
import { parseConfig } from '../../lib/config/load';
import { EXAMPLE_CONFIG_PATH, exampleRaw } from '../support/example';

describe('expectedParameters', () => {
  test('when listing the example, every cluster region gets both lines of both sites, both peer lists and the peer key', () => {
    // GIVEN
    const config = parseConfig(exampleRaw());
    // WHEN
    const regions = expectedParameters(config);
    // THEN
    expect(regions.map((r) => [r.region, r.clusters])).toEqual([
      ['eu-north-1', ['eu-north']],
      ['eu-central-1', ['eu-central']],
      ['us-east-1', ['us-east']],
    ]);
    for (const r of regions) {
      expect(r.parameters.map((p) => `${p.store}:${p.name}`)).toEqual([
        'ssm:/seedshield/sites/green-mountain/line-a/customer-gateway-ip',
        'ssm:/seedshield/sites/green-mountain/line-b/customer-gateway-ip',
        'ssm:/seedshield/sites/green-mountain/block-producer-peers',
        'ssm:/seedshield/sites/standby-bp/line-a/customer-gateway-ip',
        'ssm:/seedshield/sites/standby-bp/line-b/customer-gateway-ip',
        'ssm:/seedshield/sites/standby-bp/block-producer-peers',
        'secretsmanager:seedshield/block-producer-peer-key',
      ]);
    }
  });

  test('when two clusters share a region, the region is listed once with both', () => {
    // GIVEN
    const raw = exampleRaw();
    raw.clusters[1].region = 'eu-north-1';
    raw.clusters[1].availabilityZones = ['eu-north-1a', 'eu-north-1b'];
    // WHEN
    const regions = expectedParameters(parseConfig(raw));
    // THEN
    expect(regions.map((r) => [r.region, r.clusters])).toEqual([
      ['eu-north-1', ['eu-north', 'eu-central']],
      ['us-east-1', ['us-east']],
    ]);
  });

  test('when rendered, each value has its format and a create command, and the peer key its nodeos shape', () => {
    // GIVEN
    const regions = expectedParameters(parseConfig(exampleRaw()));
    const key = regions[0].parameters.find((p) => p.store === 'secretsmanager')!;
    // WHEN
    const text = renderParams(regions);
    // THEN
    expect(key.format).toContain('["PUB_K1_...","PVT_K1_..."]');
    expect(createCommand('eu-north-1', key)).toBe(`aws secretsmanager create-secret --region eu-north-1 --name 'seedshield/block-producer-peer-key' --secret-string '["PUB_K1_<public key>","PVT_K1_<private key>"]'`);
    expect(text).toContain("create: aws ssm put-parameter --region us-east-1 --type String --name '/seedshield/sites/standby-bp/block-producer-peers' --value '<10.200.0.10:9876,10.200.0.11:9876>'");
    expect(text).toContain('format: the p2p address(es) of site green-mountain');
  });
});

describe('paramsMain', () => {
  test('when given --json, it prints the per-region list; an unknown option exits 2', async () => {
    // GIVEN
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };
    // WHEN
    const ok = await paramsMain(['-c', EXAMPLE_CONFIG_PATH, '--json'], io);
    const json = JSON.parse(out.join('\n'));
    const bad = await paramsMain(['--region', 'x'], io);
    // THEN
    expect(ok).toBe(0);
    expect(json).toHaveLength(3);
    expect(bad).toBe(2);
  });
});
