import { BENCH_REGIONS, generateConfig } from '../../bench/config-gen';
import { renderReport } from '../../bench/report';
import { median, percentile, ratio } from '../../bench/stats';
import { parseConfig } from '../../lib/config/load';
import { exampleRaw } from '../support/example';

describe('bench statistics', () => {
  test('when the list has an odd length, the median is the middle value', () => {
    // GIVEN
    const values = [9, 1, 5];
    // WHEN
    const m = median(values);
    // THEN
    expect(m).toBe(5);
    expect(values).toEqual([9, 1, 5]);
  });

  test('when the list has an even length, the median is the mean of the two middle values', () => {
    // GIVEN / WHEN / THEN
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test('when percentiles are asked, they interpolate between closest ranks', () => {
    // GIVEN
    const values = Array.from({ length: 101 }, (_, i) => 100 - i);
    // WHEN / THEN
    expect(percentile(values, 0)).toBe(0);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([1, 2], 99)).toBeCloseTo(1.99);
  });

  test('when the list is empty or p is out of range, it throws', () => {
    // GIVEN / WHEN / THEN
    expect(() => median([])).toThrow('percentile of an empty list');
    expect(() => percentile([1], 101)).toThrow('percentile must be between 0 and 100, got: 101');
  });

  test('when the divisor is 0, the ratio is NaN', () => {
    // GIVEN / WHEN / THEN
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
  });
});

describe('bench config generator', () => {
  test.each([2, 6, 20])('when %i clusters are generated, parseConfig accepts the config', (n) => {
    // GIVEN
    const raw = generateConfig(exampleRaw(), n);
    // WHEN
    const config = parseConfig(raw, `bench-${n}.json`);
    // THEN
    expect(config.clusters).toHaveLength(n);
    expect(new Set(config.clusters.map((c) => c.id)).size).toBe(n);
    expect(new Set(config.clusters.map((c) => c.region)).size).toBe(n);
    expect(config.clusters.every((c) => c.availabilityZones.length === 2)).toBe(true);
    expect(config.controlPlane.minHealthyClusters).toBeLessThanOrEqual(n);
  });

  test('when the count is out of range, it throws with the bad value', () => {
    // GIVEN / WHEN / THEN
    expect(() => generateConfig(exampleRaw(), 0)).toThrow(`clusterCount must be an integer from 1 to ${BENCH_REGIONS.length}, got: 0`);
    expect(() => generateConfig(exampleRaw(), BENCH_REGIONS.length + 1)).toThrow(/got: 25/);
  });
});

describe('bench CPU profile grouping', () => {
  test('when frames come from packages, the repo, node or wasm, they are grouped by module', () => {
    // GIVEN
    const { moduleOf } = require('../../bench/cpu-profile') as typeof import('../../bench/cpu-profile');
    const root = '/repo';
    // WHEN / THEN
    expect(moduleOf('file:///repo/node_modules/aws-cdk-lib/aws-ec2/lib/vpc.js', 'f', root)).toBe('aws-cdk-lib/aws-ec2');
    expect(moduleOf('file:///repo/node_modules/@aws-sdk/client-ec2/dist-cjs/index.js', 'f', root)).toBe('@aws-sdk/client-ec2');
    expect(moduleOf('file:///repo/lib/constructs/seed-cluster.ts', 'f', root)).toBe('seedshield lib/constructs');
    expect(moduleOf('node:internal/modules/cjs/loader', 'f', root)).toBe('node (internal)');
    expect(moduleOf('', '(garbage collector)', root)).toBe('(garbage collector)');
    expect(moduleOf('wasm://wasm/0234e0ae', 'wasm-function[1]', root)).toMatch(/^wasm \(aws-cdk-lib/);
  });
});

describe('bench report header', () => {
  const machine = { cpuModel: 'cpu', cores: 2, memoryGiB: 8, node: 'v20', platform: 'linux', loadAverage1m: 0.5, date: '2026-01-01T00:00:00.000Z' };

  test('when the load exceeds the cores, it says the machine was busy', () => {
    // GIVEN / WHEN
    const report = renderReport({ ...machine, loadAverage1m: 21.4 }, [], 1000, 24.1);
    // THEN
    expect(report).toContain('**The machine was busy during this run** (1-minute load 21.4 at the start, 24.1 at the end,');
    expect(report).toContain('| load average (1 min) at end | 24.1 |');
  });

  test('when the machine was idle, it says nothing about load', () => {
    // GIVEN / WHEN
    const report = renderReport(machine, [], 1000, 0.7);
    // THEN
    expect(report).not.toContain('busy');
  });
});
