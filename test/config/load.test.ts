import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig, parseConfig, parseJsonText } from '../../lib/config/load';
import { toRuntimeTopology } from '../../lib/config/topology';
import { EXAMPLE_CONFIG_PATH, exampleRaw, problemsFor } from '../support/example';

describe('loadConfig', () => {
  test('when the shipped example is loaded, it validates, applies defaults and freezes the result', () => {
    // GIVEN / WHEN
    const config = loadConfig(EXAMPLE_CONFIG_PATH);
    // THEN
    expect(config.clusters.map((c) => c.region)).toEqual(['eu-north-1', 'eu-central-1', 'us-east-1']);
    expect(config.clusters[1].seedNodes.volumeSizeGiB).toBe(500);
    expect(config.clusters[0].vpnRouting).toBe('bgp');
    expect(config.clusters[0].alarms.minHealthyHosts).toBe(1);
    expect(Object.isFrozen(config.clusters[0].availabilityZones)).toBe(true);
    expect(() => ((config.clusters[0] as any).weight = 1)).toThrow(TypeError);
  });

  test('when two clusters share an id, it names the second and the first', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.clusters[1].id = 'eu-north'));
    // THEN
    expect(problems).toEqual([
      'clusters[1].id: duplicate cluster id "eu-north" (already used by clusters[0].id). Fix: give every cluster and site a unique DNS-safe id',
    ]);
  });

  test('when a cluster VPC overlaps another cluster, it names both CIDRs', () => {
    const problems = problemsFor((raw) => (raw.clusters[2].vpcCidr = '10.10.128.0/17'));
    expect(problems).toEqual([
      'clusters[2].vpcCidr: CIDR 10.10.128.0/17 overlaps 10.10.0.0/16 at clusters[0].vpcCidr. Fix: give every cluster VPC and every site range its own non-overlapping block',
    ]);
  });

  test('when a cluster VPC overlaps a site range, it names the site path', () => {
    const problems = problemsFor((raw) => (raw.sites[1].cidrs.ipv4 = ['10.11.5.0/24']));
    expect(problems).toEqual([
      'sites[1].cidrs.ipv4[0]: CIDR 10.11.5.0/24 overlaps 10.11.0.0/16 at clusters[1].vpcCidr. Fix: give every cluster VPC and every site range its own non-overlapping block',
    ]);
  });

  test('when an AZ belongs to another region, it names the AZ and the region', () => {
    const problems = problemsFor((raw) => (raw.clusters[1].availabilityZones[1] = 'eu-west-1b'));
    expect(problems).toEqual([
      'clusters[1].availabilityZones[1]: availability zone "eu-west-1b" is not in the cluster\'s region eu-central-1. Fix: use a zone of eu-central-1, e.g. "eu-central-1a"',
    ]);
  });

  test('when a weight is out of range, it shows the bad value and the range', () => {
    const problems = problemsFor((raw) => (raw.clusters[0].weight = 300));
    expect(problems).toEqual(['clusters[0].weight: must be between 0 and 255 inclusive (Route 53 weight), got: 300. Fix: use an integer from 0 to 255']);
  });

  test('when minHealthyClusters exceeds the clusters that count, it says how many count', () => {
    const problems = problemsFor((raw) => (raw.controlPlane.minHealthyClusters = 4));
    expect(problems).toEqual([
      'controlPlane.minHealthyClusters: is 4, larger than the 3 clusters with a weight above 0 that count towards it. Fix: set it to at most 3 (or set countExternalClustersTowardsMinimum to true)',
    ]);
  });

  test('when an IP address stands where an SSM parameter name belongs, it says to store it in SSM, once', () => {
    const problems = problemsFor((raw) => (raw.sites[0].lines[1].customerGatewayIpParameter = '198.51.100.7'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^sites\[0\]\.lines\[1\]\.customerGatewayIpParameter: looks like an IP address \("198\.51\.100\.7"\), but this field takes the NAME of an SSM parameter/);
    expect(problems[0]).toContain('Fix: store the address with `aws ssm put-parameter');
  });

  test('when an SSM parameter name embeds an IPv6 address, it is rejected too', () => {
    const problems = problemsFor((raw) => (raw.sites[0].blockProducerPeersParameter = '/bp/2001:db8::1'));
    expect(problems[0]).toMatch(/^sites\[0\]\.blockProducerPeersParameter: looks like an IP address/);
  });

  test('when unknown keys appear, each is named with its path', () => {
    const problems = problemsFor((raw) => {
      raw.clusters[0].wieght = 5;
      raw.extra = true;
    });
    expect(problems).toEqual([
      'clusters[0]: unknown key "wieght". Fix: remove it or correct the spelling (see seedshield.config.json in the repo for every key)',
      '(root): unknown key "extra". Fix: remove it or correct the spelling (see seedshield.config.json in the repo for every key)',
    ]);
  });

  test('when a cluster is in another account than the control plane, it refuses (the control plane could not cut it)', () => {
    const problems = problemsFor((raw) => (raw.clusters[1].account = '222222222222'));
    expect(problems).toEqual([
      'clusters[1].account: is 222222222222, but the control plane runs in 111111111111 and can only isolate clusters in its own account. Fix: deploy this cluster in account 111111111111',
    ]);
  });

  test('when several problems exist, it reports every one of them in one error', () => {
    const problems = problemsFor((raw) => {
      raw.clusters[0].weight = -1;
      raw.dns.ttlSeconds = 'sixty';
      raw.controlPlane.homeRegion = 'mars-1';
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['clusters[0].weight', 'dns.ttlSeconds', 'controlPlane.homeRegion']);
  });

  test('when a region is unknown, it lists the valid ones', () => {
    const problems = problemsFor((raw) => {
      raw.clusters[2].region = 'us-eest-1';
      raw.clusters[2].availabilityZones = ['us-eest-1a', 'us-eest-1b'];
    });
    expect(problems).toEqual([expect.stringMatching(/^clusters\[2\]\.region: unknown AWS region "us-eest-1"\. Fix: use one of .*us-east-1/)]);
  });

  test('when a required field is missing, it says so and where', () => {
    const problems = problemsFor((raw) => delete raw.clusters[0].vpcCidr);
    expect(problems).toEqual(['clusters[0].vpcCidr: is required (expected string). Fix: add it']);
  });

  test('when a CIDR has host bits set, it shows the value and an example', () => {
    const problems = problemsFor((raw) => (raw.clusters[0].vpcCidr = '10.10.0.1/16'));
    expect(problems).toEqual(['clusters[0].vpcCidr: must be an IPv4 CIDR block with no host bits set, got: "10.10.0.1/16". Fix: e.g. "10.20.0.0/16"']);
  });

  test('when there is no primary site, it asks for one', () => {
    const problems = problemsFor((raw) => (raw.sites[0].role = 'standby'));
    expect(problems).toContain('sites: needs exactly one site with role "primary" (the block-producer site), found 0. Fix: mark one site "primary" and the redundant one "standby"');
  });

  test('when every weight is 0, it refuses (Route 53 would spread traffic over all records)', () => {
    const problems = problemsFor((raw) => {
      raw.clusters.forEach((c: any) => (c.weight = 0));
      raw.physicalSeedCluster.weight = 0;
    });
    expect(problems).toEqual([expect.stringMatching(/^clusters: every cluster has weight 0/)]);
  });

  test('when the file is not JSON, it says so and names the file', () => {
    // GIVEN
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-')), 'bad.json');
    fs.writeFileSync(file, '{ "sites": [');
    // WHEN / THEN
    expect(() => loadConfig(file)).toThrow(`${file}: 1 problem in the seedshield configuration:\n  - (file): is not valid JSON`);
  });

  test('when the file has a syntax error deep inside, it gives the line and column (not a character offset)', () => {
    // GIVEN: the example with the comma after clusters[0].weight removed, the kind of slip a hand edit makes
    const text = fs.readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
    const weightAt = text.indexOf('"weight"');
    const comma = text.indexOf(',', weightAt);
    const broken = text.slice(0, comma) + text.slice(comma + 1);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-')), 'broken.json');
    fs.writeFileSync(file, broken);
    const nextKey = broken.slice(comma).search(/\S/) + comma;
    const line = broken.slice(0, nextKey).split('\n').length;
    const column = nextKey - broken.lastIndexOf('\n', nextKey - 1);
    // WHEN
    let message = '';
    try {
      loadConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    // THEN: the position of the next key, where the parser stopped, in editor terms
    expect(message).toContain(`(file): is not valid JSON at line ${line}, column ${column}: `);
    expect(message).not.toMatch(/position \d+/);
  });

  test.each([
    ['{"a": [1,,2]}', 1, 10],
    ['{\n  "a": tru\n}', 2, 11],
    ['{\n  "a": 1\n', 3, 1],
    ['{} x', 1, 4],
  ])('when the JSON is %j, it reports line %i, column %i', (text, line, column) => {
    // GIVEN / WHEN / THEN
    expect(() => parseJsonText(text)).toThrow(`is not valid JSON at line ${line}, column ${column}: `);
  });

  test('when parseConfig gets the raw example, the runtime topology lists every cluster with its weight', () => {
    const topology = toRuntimeTopology(parseConfig(exampleRaw()));
    expect(topology.clusters.map((c) => [c.id, c.kind, c.baseWeight, c.countsTowardsMinimum])).toEqual([
      ['eu-north', 'aws', 100, true],
      ['eu-central', 'aws', 100, true],
      ['us-east', 'aws', 50, true],
      ['gm-physical', 'external', 50, false],
    ]);
    expect(topology.policy.restoreRampPercent).toEqual([10, 50, 100]);
  });
});
