/**
 * `seedshield cost`: the monthly estimate from the config and the prices file, and README's copy of the
 * example's table.
 */
import * as fs from 'fs';
import * as path from 'path';
import { COST_COMMAND } from '../../cli/cost';
import { COST_ASSUMPTIONS, estimateCost, formatCostTable, PRICES } from '../../lib/deploy/cost';
import { renderChecklist } from '../../lib/deploy/prerequisites';
import { configWith, EXAMPLE_CONFIG_PATH, exampleConfig } from '../support/example';

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('seedshield cost', () => {
  test('when run on the example, it prices each cluster from its AZs and VPN lines, and Shield once for the organization', () => {
    // GIVEN
    const config = exampleConfig();
    // WHEN
    const e = estimateCost(config);
    // THEN: eu-north has 3 AZs: 3 NAT gateways, 6 public IPv4 addresses; 2 sites x 2 lines = 4 VPN connections
    const north = e.clusters.find((c) => c.clusterId === 'eu-north')!;
    const line = (item: string) => north.lines.find((l) => l.item === item)!.monthlyUsd;
    expect(line('NAT gateway hours')).toBeCloseTo(3 * 730 * PRICES.natGatewayPerHour, 2);
    expect(line('public IPv4 addresses (NLB + NAT)')).toBeCloseTo(6 * 730 * PRICES.publicIpv4PerHour, 2);
    expect(line('Site-to-Site VPN connections')).toBeCloseTo(4 * 730 * PRICES.vpnConnectionPerHour, 2);
    expect(line('NLB capacity units')).toBeCloseTo(COST_ASSUMPTIONS.nlbAverageLcus * 730 * PRICES.nlbPerLcuHour, 2);
    expect(e.shared.filter((l) => l.item.startsWith('Shield Advanced'))).toEqual([expect.objectContaining({ monthlyUsd: 3000 })]);
    const parts = e.clusters.reduce((n, c) => n + c.monthlyUsd, 0) + e.shared.reduce((n, l) => n + l.monthlyUsd, 0);
    expect(e.totalMonthlyUsd).toBeCloseTo(parts, 1);
  });

  test('when run on the example, it prices the 6 interface endpoints in 2 AZs per cluster, whatever its AZ count: USD 87.60 a month plus data', () => {
    // GIVEN: eu-north spans 3 AZs, eu-central 2 (the endpoints sit in the first 2 private subnets either way)
    const config = exampleConfig();
    // WHEN
    const e = estimateCost(config);
    // THEN
    for (const c of e.clusters) {
      const hourly = c.lines.find((l) => l.item === 'VPC interface endpoints (access while isolated)')!;
      expect(hourly).toEqual({ item: 'VPC interface endpoints (access while isolated)', quantity: '6 x 2 AZ x 730 h', monthlyUsd: 87.6 });
      expect(c.lines.find((l) => l.item === 'VPC interface endpoint data processed')!.monthlyUsd).toBeCloseTo(COST_ASSUMPTIONS.interfaceEndpointGbPerClusterMonth * PRICES.interfaceEndpointPerGbProcessed, 2);
    }
  });

  test('when a cluster had a single AZ\'s worth of endpoints, it prices one interface per endpoint', () => {
    // GIVEN
    const config = exampleConfig();
    // WHEN
    const e = estimateCost(config, PRICES, { ...COST_ASSUMPTIONS, interfaceEndpointAzs: 1 });
    // THEN
    expect(e.clusters[0].lines.find((l) => l.item.startsWith('VPC interface endpoints'))!.monthlyUsd).toBeCloseTo(6 * 730 * PRICES.interfaceEndpointPerAzHour, 2);
  });

  test('when the stack\'s endpoint list changes, the estimate counts the same number', () => {
    // GIVEN / WHEN
    const { CLUSTER_ENDPOINT_SERVICES } = jest.requireActual('../../lib/constructs/cluster-endpoints');
    // THEN
    expect(COST_ASSUMPTIONS.interfaceEndpointsPerCluster).toBe(CLUSTER_ENDPOINT_SERVICES.length);
  });

  test('when shieldAdvanced is false, the subscription is not counted', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.protection.shieldAdvanced = false;
    });
    // WHEN
    const e = estimateCost(config);
    // THEN
    expect(e.shared.some((l) => l.item.startsWith('Shield'))).toBe(false);
    expect(e.totalMonthlyUsd).toBeLessThan(estimateCost(exampleConfig()).totalMonthlyUsd - 2999);
  });

  test('when run through the CLI, it prints the table with the prices\' date and region and exits 0', async () => {
    // GIVEN
    let out = '';
    // WHEN
    const code = await COST_COMMAND.run(['-c', EXAMPLE_CONFIG_PATH], { env: {}, io: { stdout: (t) => void (out += t), stderr: () => undefined }, usage: '' });
    // THEN
    expect(code).toBe(0);
    expect(out).toContain(`list prices taken on ${PRICES.takenOn}`);
    expect(out).toMatch(/\| \*\*total\*\* \| \| \| \*\*\d+\.\d\d\*\* \|/);
  });

  test('when README shows the example\'s cost table and the prerequisites checklist, they are exactly what the code renders', () => {
    // GIVEN / WHEN
    const table = formatCostTable(estimateCost(exampleConfig()));
    // THEN: regenerate with `npx seedshield cost` when prices or assumptions change
    expect(README).toContain(table);
    expect(README).toContain(renderChecklist());
  });
});
