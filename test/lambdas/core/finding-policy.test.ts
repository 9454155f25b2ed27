import { classifyFinding, FINDING_POLICY, FindingClass, FindingRule, suppressedFindingTypes, typeMatches } from '../../../lambdas/core/finding-policy';
import { findingActivity } from '../../../lambdas/events/guardduty-facts';
import { FindingSpec, guardDutyFindingEvent } from '../../support/guardduty-findings';

/** Classifies a finding built in the documented format, through the same fact extraction the parser uses. */
const classify = (spec: FindingSpec, overrides: readonly FindingRule[] = []) => classifyFinding(findingActivity(guardDutyFindingEvent(spec).detail), overrides);

interface Case {
  readonly condition: string;
  readonly spec: FindingSpec;
  readonly rule: string;
}

const cases: Record<Exclude<FindingClass, 'ignore'> | 'ignore', Case[]> = {
  compromise: [
    { condition: 'an instance queries a command-and-control domain', spec: { type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'COMMAND_AND_CONTROL' },
    { condition: 'an instance exfiltrates data over DNS', spec: { type: 'Trojan:EC2/DNSDataExfiltration', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'TROJAN' },
    { condition: 'an instance is the source of a UDP DoS', spec: { type: 'Backdoor:EC2/DenialOfService.Udp', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'DOS_SOURCE' },
    { condition: 'an instance port-scans a remote host', spec: { type: 'Recon:EC2/Portscan', severity: 5, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'OUTBOUND_PORT_SCAN' },
    { condition: 'an instance runs a Tor client', spec: { type: 'UnauthorizedAccess:EC2/TorClient', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'TOR_CLIENT' },
    { condition: 'Runtime Monitoring sees a reverse shell', spec: { type: 'Execution:Runtime/ReverseShell', severity: 8, runtime: true }, rule: 'RUNTIME_EXECUTION' },
    { condition: 'Runtime Monitoring sees persistence set up', spec: { type: 'Persistence:Runtime/SuspiciousCommand', severity: 5, runtime: true }, rule: 'RUNTIME_PERSISTENCE' },
    { condition: 'a seed node contacts an address on the custom threat list', spec: { type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', severity: 5, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'CUSTOM_THREAT_IP_OUTBOUND' },
    { condition: 'an instance brute-forces SSH elsewhere', spec: { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND', localPort: 22 }, rule: 'SSH_BRUTE_FORCE_BY_INSTANCE' },
    { condition: 'an SSH brute force reaches a seed node (no security group opens port 22, so it comes from inside the cluster or a changed rule)', spec: { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2, resourceRole: 'TARGET', direction: 'INBOUND', localPort: 22 }, rule: 'SSH_BRUTE_FORCE_FROM_JUMPBOX' },
    { condition: 'a High finding of an attack-on-us type has the instance as ACTOR', spec: { type: 'UnauthorizedAccess:EC2/TorIPCaller', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'HIGH_SEVERITY_ACTOR' },
    { condition: 'an unknown type is High', spec: { type: 'Impact:EC2/SomethingNew', severity: 7 }, rule: 'UNKNOWN_HIGH' },
    { condition: 'an unknown type is Critical', spec: { type: 'Impact:EC2/SomethingNewer', severity: 9.5 }, rule: 'UNKNOWN_HIGH' },
  ],
  'attack-on-us': [
    { condition: 'the internet probes the open p2p port', spec: { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, portProbe: true }, rule: 'PORT_PROBE' },
    { condition: 'someone tries RDP passwords against a seed node', spec: { type: 'UnauthorizedAccess:EC2/RDPBruteForce', severity: 2, resourceRole: 'TARGET', direction: 'INBOUND', localPort: 3389 }, rule: 'RDP_BRUTE_FORCE_AGAINST_US' },
    { condition: 'Tor exit nodes connect in', spec: { type: 'UnauthorizedAccess:EC2/TorIPCaller', severity: 5, resourceRole: 'TARGET', direction: 'INBOUND' }, rule: 'TOR_CALLER' },
    { condition: 'a listed address connects in', spec: { type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', severity: 5, resourceRole: 'TARGET', direction: 'INBOUND' }, rule: 'CUSTOM_THREAT_IP_INBOUND' },
    { condition: 'traffic volume is unusual', spec: { type: 'Behavior:EC2/TrafficVolumeUnusual', severity: 5, resourceRole: 'TARGET', direction: 'INBOUND' }, rule: 'TRAFFIC_VOLUME' },
    { condition: 'inbound traffic uses an unusual port', spec: { type: 'Behavior:EC2/NetworkPortUnusual', severity: 5, resourceRole: 'TARGET', direction: 'INBOUND' }, rule: 'UNUSUAL_PORT_INBOUND' },
    { condition: 'an unknown type is Medium', spec: { type: 'Recon:EC2/SomethingNew', severity: 6.9 }, rule: 'UNKNOWN_BELOW_HIGH' },
  ],
  'expected-on-blockchain-node': [
    { condition: 'a node talks Bitcoin', spec: { type: 'CryptoCurrency:EC2/BitcoinTool.B', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'BITCOIN_TOOL' },
    { condition: 'a node queries a Bitcoin domain', spec: { type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'BITCOIN_TOOL_DNS' },
    { condition: 'a node queries a cryptocurrency domain', spec: { type: 'Impact:EC2/BitcoinDomainRequest.Reputation', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'BITCOIN_DOMAIN' },
    { condition: 'a node resolves a peer host name on a dynamic-DNS domain', spec: { type: 'Impact:EC2/AbusedDomainRequest.Reputation', severity: 5, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'PEER_HOSTNAME_REPUTATION' },
    { condition: 'a node connects out to a peer on an unusual port', spec: { type: 'Behavior:EC2/NetworkPortUnusual', severity: 5, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, rule: 'PEER_PORT_OUTBOUND' },
  ],
  ignore: [
    { condition: 'the finding is a sample', spec: { type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND', sample: true }, rule: 'SAMPLE' },
    { condition: 'the finding is archived', spec: { type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND', archived: true }, rule: 'ARCHIVED' },
    { condition: 'the finding concerns an access key, not an instance', spec: { type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', severity: 8, resourceType: 'AccessKey' }, rule: 'NOT_AN_INSTANCE' },
    { condition: 'the finding is a multi-resource attack sequence', spec: { type: 'AttackSequence:EC2/CompromisedInstanceGroup', severity: 9, resourceType: 'Instance', cluster: null }, rule: 'ATTACK_SEQUENCE' },
  ],
};

describe('finding policy: classes', () => {
  for (const [cls, list] of Object.entries(cases)) {
    test.each(list)(`when $condition, it is ${cls} by rule $rule`, ({ spec, rule }) => {
      // GIVEN a finding in the documented format
      // WHEN
      const verdict = classify(spec);
      // THEN
      expect({ class: verdict.class, rule: verdict.ruleId }).toEqual({ class: cls, rule });
      expect(verdict.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/guardduty\//);
    });
  }

  test('when the type is unknown, it warns and names the config key that decides it', () => {
    // GIVEN
    const spec: FindingSpec = { type: 'Impact:EC2/SomethingNew', severity: 3 };
    // WHEN
    const verdict = classify(spec);
    // THEN
    expect(verdict.warning).toBe(
      'GuardDuty finding type Impact:EC2/SomethingNew is not in seedshield\'s finding policy; classified by severity 3. Add it to protection.guardDuty.findingPolicy to decide explicitly.',
    );
  });

  test('when the type is known, it gives no warning', () => {
    // GIVEN / WHEN
    const verdict = classify({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, portProbe: true });
    // THEN
    expect(verdict.warning).toBeUndefined();
  });

  test('when a config rule names a type, it is checked before the built-in table', () => {
    // GIVEN an operator who wants Bitcoin traffic treated as a compromise
    const overrides: FindingRule[] = [{ id: 'config[0]', type: 'CryptoCurrency:EC2/BitcoinTool.B', class: 'compromise', explanation: 'our nodes never speak Bitcoin', source: 'config' }];
    // WHEN
    const verdict = classify({ type: 'CryptoCurrency:EC2/BitcoinTool.B', severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }, overrides);
    // THEN
    expect({ class: verdict.class, rule: verdict.ruleId }).toEqual({ class: 'compromise', rule: 'config[0]' });
  });
});

describe('finding policy: the table', () => {
  test('when any rule is read, it names its documentation and a known class', () => {
    // GIVEN / WHEN / THEN
    for (const r of FINDING_POLICY) {
      expect(r.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/guardduty\/latest\/ug\//);
      expect(r.explanation.length).toBeGreaterThan(10);
    }
    expect(new Set(FINDING_POLICY.map((r) => r.id)).size).toBe(FINDING_POLICY.length);
  });

  test('when a prefix rule ends in *, it matches the prefix only', () => {
    // GIVEN / WHEN / THEN
    expect(typeMatches('Trojan:EC2/*', 'Trojan:EC2/DropPoint!DNS')).toBe(true);
    expect(typeMatches('Trojan:EC2/*', 'Trojan:Runtime/DropPoint')).toBe(false);
    expect(typeMatches('Recon:EC2/Portscan', 'Recon:EC2/PortscanX')).toBe(false);
  });

  test('when suppression types are listed, they are exactly the documented blockchain-activity types', () => {
    // GIVEN / WHEN
    const types = suppressedFindingTypes();
    // THEN
    expect(types).toEqual(['CryptoCurrency:EC2/BitcoinTool.B', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Impact:EC2/BitcoinDomainRequest.Reputation']);
  });

  test('when a config rule reclassifies a suppressible type, it is no longer suppressed', () => {
    // GIVEN
    const overrides: FindingRule[] = [{ id: 'config[0]', type: 'CryptoCurrency:EC2/BitcoinTool.B', class: 'compromise', explanation: 'x', source: 'config' }];
    // WHEN
    const types = suppressedFindingTypes(overrides);
    // THEN
    expect(types).not.toContain('CryptoCurrency:EC2/BitcoinTool.B');
    expect(types).toContain('CryptoCurrency:EC2/BitcoinTool.B!DNS');
  });

  test('when no suppressed type is notify-only attack-on-us or compromise, archived findings never hide an attack', () => {
    // GIVEN / WHEN
    const types = suppressedFindingTypes();
    // THEN
    for (const t of types) expect(classify({ type: t, severity: 8, resourceRole: 'ACTOR', direction: 'OUTBOUND' }).class).toBe('expected-on-blockchain-node');
  });
});
