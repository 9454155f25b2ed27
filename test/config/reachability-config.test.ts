/**
 * The switch of the proof on AWS: `controlPlane.isolation.verifyWithReachabilityAnalyzer`, on by default, carried
 * to the runtime topology as `policy.verifyReachability`, and priced by `seedshield cost` only when on.
 */
import { estimateCost } from '../../lib/deploy/cost';
import { toRuntimeTopology } from '../../lib/config/topology';
import { configWith, exampleConfig, problemsFor } from '../support/example';

describe('controlPlane.isolation.verifyWithReachabilityAnalyzer', () => {
  test('when the config does not say, the proof is on and reaches the runtime topology', () => {
    // GIVEN / WHEN
    const config = exampleConfig();

    // THEN
    expect(config.controlPlane.isolation.verifyWithReachabilityAnalyzer).toBe(true);
    expect(toRuntimeTopology(config).policy.verifyReachability).toBe(true);
  });

  test('when it is turned off, the topology says so and seedshield cost has no Reachability Analyzer line', () => {
    // GIVEN / WHEN
    const config = configWith((raw) => (raw.controlPlane.isolation = { verifyWithReachabilityAnalyzer: false }));

    // THEN
    expect(config.controlPlane.isolation).toMatchObject({ cutInternet: true, cutBlockProducerPath: true, verifyWithReachabilityAnalyzer: false });
    expect(toRuntimeTopology(config).policy.verifyReachability).toBe(false);
    expect(estimateCost(config).shared.some((l) => l.item.startsWith('Reachability Analyzer'))).toBe(false);
    expect(estimateCost(exampleConfig()).shared.find((l) => l.item.startsWith('Reachability Analyzer'))).toMatchObject({ quantity: '24 analyses', monthlyUsd: 2.4 });
  });

  test('when it is not a boolean, the config is refused naming the field', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.controlPlane.isolation = { verifyWithReachabilityAnalyzer: 'yes' }));

    // THEN
    expect(problems.join('\n')).toContain('controlPlane.isolation.verifyWithReachabilityAnalyzer');
  });
});
