import { toRuntimeTopology } from '../../lib/config/topology';
import { configWith, exampleConfig, problemsFor } from '../support/example';

describe('protection: DDoS and GuardDuty settings', () => {
  test('when nothing is set, it keeps today\'s behaviour: DDoS isolates always, no suppression, no rules', () => {
    // GIVEN / WHEN
    const config = exampleConfig();
    // THEN
    expect(config.protection.isolateOnDdos).toBe('always');
    expect(config.protection.ddosImpactWindowMinutes).toBe(30);
    expect(config.protection.guardDuty).toEqual({ findingPolicy: [], suppressExpectedFindings: false, detectors: {} });
  });

  test('when isolateOnDdos is misspelt, it names the field and the choices', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.protection.isolateOnDdos = 'sometimes'));
    // THEN
    expect(problems).toEqual(['protection.isolateOnDdos: must be "always" or "with-impact"']);
  });

  test('when a finding rule has an unknown class and no reason, it names both fields', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.protection.guardDuty = { findingPolicy: [{ type: 'Recon:EC2/Portscan', class: 'isolate', reason: '' }] }));
    // THEN
    expect(problems).toEqual([
      'protection.guardDuty.findingPolicy[0].class: must be one of "compromise", "attack-on-us", "expected-on-blockchain-node", "ignore"',
      'protection.guardDuty.findingPolicy[0].reason: must say why (it is shown to on-call in every decision the rule takes)',
    ]);
  });

  test('when a finding rule type is not a GuardDuty type, it shows the bad value and an example', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => (raw.protection.guardDuty = { findingPolicy: [{ type: 'portscan', class: 'ignore', reason: 'x' }] }));
    // THEN
    expect(problems).toEqual([
      'protection.guardDuty.findingPolicy[0].type: must be a GuardDuty finding type (ThreatPurpose:ResourceTypeAffected/ThreatFamilyName...), optionally ending in "*" for a prefix, got: "portscan". Fix: e.g. "CryptoCurrency:EC2/BitcoinTool.B" or "Trojan:EC2/*"',
    ]);
  });

  test('when a rule asks to suppress an attack-on-us type, it refuses: archived findings reach nobody', () => {
    // GIVEN / WHEN
    const problems = problemsFor(
      (raw) => (raw.protection.guardDuty = { findingPolicy: [{ type: 'Recon:EC2/PortProbeUnprotectedPort', class: 'attack-on-us', reason: 'noise', suppress: true }] }),
    );
    // THEN
    expect(problems).toEqual([
      'protection.guardDuty.findingPolicy[0].suppress: suppress: true is only allowed on an "expected-on-blockchain-node" rule for one exact type without role or direction: archived findings reach nobody, so only noise for a seed node may be suppressed. Fix: remove "suppress" or make the rule an exact expected-on-blockchain-node type',
    ]);
  });

  test('when two rules match the same findings, it names the one that could never apply', () => {
    // GIVEN / WHEN
    const rule = { type: 'Recon:EC2/Portscan', class: 'ignore', reason: 'x' };
    const problems = problemsFor((raw) => (raw.protection.guardDuty = { findingPolicy: [rule, { ...rule, class: 'compromise' }] }));
    // THEN
    expect(problems).toEqual([
      'protection.guardDuty.findingPolicy[1]: repeats the type, role and direction of findingPolicy[0], so it would never be used (first match wins). Fix: remove one of them',
    ]);
  });

  test('when suppression is on without a detector for a cluster region, it names the region, the clusters and the fix', () => {
    // GIVEN / WHEN
    const problems = problemsFor(
      (raw) =>
        (raw.protection.guardDuty = {
          suppressExpectedFindings: true,
          detectors: { 'eu-north-1': { detectorId: 'abc123', ownedBySeedshield: true }, 'eu-central-1': { detectorId: 'def456', ownedBySeedshield: false } },
        }),
    );
    // THEN
    expect(problems).toEqual([
      'protection.guardDuty.detectors.us-east-1: is missing: suppressExpectedFindings is true and cluster us-east runs in us-east-1, whose detector the suppression filter is created on. Fix: add { "detectorId": "<aws guardduty list-detectors --region us-east-1>", "ownedBySeedshield": true } (false if another team owns the detector), or set suppressExpectedFindings to false',
    ]);
  });

  test('when rules and DDoS settings are valid, the runtime topology carries them with ids pointing at the config', () => {
    // GIVEN
    const config = configWith((raw) => {
      raw.protection.isolateOnDdos = 'with-impact';
      raw.protection.ddosImpactWindowMinutes = 15;
      raw.protection.guardDuty = { findingPolicy: [{ type: 'CryptoCurrency:EC2/BitcoinTool.B', class: 'compromise', reason: 'Antelope nodes never speak Bitcoin' }] };
    });
    // WHEN
    const topology = toRuntimeTopology(config);
    // THEN
    expect(topology.policy.isolateOnDdos).toBe('with-impact');
    expect(topology.policy.ddosImpactWindowMinutes).toBe(15);
    expect(topology.findingPolicy).toEqual([
      {
        id: 'protection.guardDuty.findingPolicy[0]',
        type: 'CryptoCurrency:EC2/BitcoinTool.B',
        class: 'compromise',
        explanation: 'Antelope nodes never speak Bitcoin',
        source: 'seedshield.config.json protection.guardDuty.findingPolicy[0]',
      },
    ]);
  });
});
