/**
 * The GuardDuty finding policy, as data: which findings about a seed cluster's instances are a compromise
 * (isolate, sticky), an attack on us (notify only), activity expected on a blockchain node (notify only, or
 * suppressed at GuardDuty) or nothing to act on (ignore).
 *
 * Pure: no AWS SDK, no aws-cdk-lib, no clock. The table is ordered: the first matching rule wins, so the
 * specific rules (a role or a direction) come before the general ones. The configuration may put its own
 * rules in front (`protection.guardDuty.findingPolicy`). Each rule names the documentation it is built on.
 *
 * Why this matters: seed nodes are internet-facing p2p nodes behind an NLB that preserves client addresses.
 * Inbound traffic from anyone is their job, so inbound probes and scans are routine (one production account
 * saw `Recon:EC2/PortProbeUnprotectedPort` about 66 times a day); outbound contact with a bad address, or the
 * instance acting as the attacker, is not.
 *
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html
 */

/**
 * What seedshield does about a finding.
 * - `compromise`: the instance is (likely) under an attacker's control: isolate the cluster, sticky until an
 *   operator restores it.
 * - `attack-on-us`: someone attacks the cluster from outside: notify only. Never isolates by itself, never uses
 *   the rate limit; it can corroborate a DDoS reading (`protection.isolateOnDdos: "with-impact"`).
 * - `expected-on-blockchain-node`: activity GuardDuty documents as possibly expected on a blockchain node:
 *   notify only, or archived at GuardDuty by the optional suppression filter.
 * - `ignore`: not about a cluster instance, or not real (sample, archived): nothing happens.
 */
export type FindingClass = 'compromise' | 'attack-on-us' | 'expected-on-blockchain-node' | 'ignore';

/** Every finding class, for schemas and error messages. */
export const FINDING_CLASSES: readonly FindingClass[] = ['compromise', 'attack-on-us', 'expected-on-blockchain-node', 'ignore'];

/** `service.resourceRole`: TARGET (the resource was the target) or ACTOR (the resource carried out the activity). */
export type ResourceRole = 'ACTOR' | 'TARGET';

/** `service.action.networkConnectionAction.connectionDirection` (also port probes: always inbound). */
export type ConnectionDirection = 'INBOUND' | 'OUTBOUND';

/**
 * GuardDuty's High band starts at 7.0 (High 7.0-8.9, Critical 9.0-10.0): "High" here means 7 and above.
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html
 */
export const HIGH_SEVERITY = 7;

/** The only `resource.resourceType` a seed cluster's findings can have: seedshield acts on its EC2 instances. */
export const INSTANCE_RESOURCE_TYPE = 'Instance';

/** Finding types of Extended Threat Detection attack sequences start with this. */
export const ATTACK_SEQUENCE_PREFIX = 'AttackSequence:';

/** What the policy reads from a finding; the event parser extracts it from the documented finding format. */
export interface FindingFacts {
  /** `detail.type`, e.g. `Recon:EC2/PortProbeUnprotectedPort`. */
  readonly type: string;
  /** `detail.severity`, 1.0-10.0. */
  readonly severity: number;
  /** `detail.resource.resourceType`, e.g. `Instance`, `AccessKey`. */
  readonly resourceType: string;
  /** `detail.service.resourceRole`; absent for Runtime Monitoring findings. @default - not given */
  readonly resourceRole?: string;
  /** `detail.service.action.networkConnectionAction.connectionDirection`, or INBOUND for a port probe. @default - not given */
  readonly direction?: string;
  /** `detail.service.additionalInfo.sample`: a sample finding generated on request. */
  readonly sample: boolean;
  /** `detail.service.archived`. */
  readonly archived: boolean;
}

/** One rule of the finding policy. */
export interface FindingRule {
  /** Stable id, reported in decisions and logs. */
  readonly id: string;
  /** A finding type, exactly, or a prefix ending in `*` (`Trojan:EC2/*`). */
  readonly type: string;
  /** Only when the instance has this role. @default - any role */
  readonly role?: ResourceRole;
  /** Only when the connection has this direction. @default - any direction */
  readonly direction?: ConnectionDirection;
  readonly class: FindingClass;
  /** Why, for on-call and the README. */
  readonly explanation: string;
  /** The documentation the rule is built on (or the config entry that added it). */
  readonly source: string;
  /**
   * Whether the optional GuardDuty suppression filter may archive these findings on seedshield's instances.
   * Only `expected-on-blockchain-node` rules with an exact type may say so: an archived finding reaches nobody.
   * @default false
   */
  readonly suppress?: boolean;
}

/** What the policy concluded about one finding. */
export interface FindingVerdict {
  readonly class: FindingClass;
  /** The rule (or built-in check) that decided. */
  readonly ruleId: string;
  readonly explanation: string;
  readonly source: string;
  /** Set when on-call should look at the policy itself (an unknown finding type). @default - none */
  readonly warning?: string;
}

const EC2 = 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-ec2.html';
const RUNTIME = 'https://docs.aws.amazon.com/guardduty/latest/ug/findings-runtime-monitoring.html';
const MALWARE = 'https://docs.aws.amazon.com/guardduty/latest/ug/findings-malware-protection.html';
const DETAILS = 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html';
const SAMPLES = 'https://docs.aws.amazon.com/guardduty/latest/ug/sample_findings.html';
const SEQUENCES = 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-attack-sequence-finding-types.html';
const SEVERITY = 'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html';

/** The anchor GuardDuty's EC2 finding-type page uses for a type (`Backdoor:EC2/C&CActivity.B!DNS` -> `#backdoor-ec2-ccactivitybdns`). */
const ec2Doc = (type: string) => `${EC2}#${type.toLowerCase().replace(/[:/]/g, '-').replace(/[^a-z0-9-]/g, '')}`;

/**
 * The built-in finding policy, most specific rules first.
 *
 * The jumpbox rule: no security group of the cluster opens port 22 (operators reach the nodes through Session
 * Manager), and the NLB forwards only the p2p and API ports. An SSH brute force that reaches a cluster instance therefore comes from inside
 * the cluster (the jumpbox) or from a security-group change that opened port 22. Either way something with a
 * path to the block producer misbehaves: seedshield treats it as a compromise of the cluster (isolates it,
 * cutting the BP path, pages CRITICAL) and on-call rebuilds the jumpbox before restoring.
 */
export const FINDING_POLICY: readonly FindingRule[] = [
  // ---- the instance attacks others, or talks to its controller: compromise
  { id: 'SSH_BRUTE_FORCE_BY_INSTANCE', type: 'UnauthorizedAccess:EC2/SSHBruteForce', role: 'ACTOR', class: 'compromise', explanation: 'the instance brute-forces SSH on other hosts', source: ec2Doc('UnauthorizedAccess:EC2/SSHBruteForce') },
  {
    id: 'SSH_BRUTE_FORCE_FROM_JUMPBOX',
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    class: 'compromise',
    explanation: 'no security group of the cluster opens port 22 (operators use Session Manager), so an SSH brute force reaching an instance means a security-group change or something inside the cluster misbehaves; check both, rebuild the jumpbox before restoring',
    source: ec2Doc('UnauthorizedAccess:EC2/SSHBruteForce'),
  },
  { id: 'RDP_BRUTE_FORCE_BY_INSTANCE', type: 'UnauthorizedAccess:EC2/RDPBruteForce', role: 'ACTOR', class: 'compromise', explanation: 'the instance brute-forces RDP on other hosts', source: ec2Doc('UnauthorizedAccess:EC2/RDPBruteForce') },
  { id: 'WINRM_BRUTE_FORCE_BY_INSTANCE', type: 'Impact:EC2/WinRMBruteForce', direction: 'OUTBOUND', class: 'compromise', explanation: 'the instance brute-forces WinRM on other hosts', source: ec2Doc('Impact:EC2/WinRMBruteForce') },
  { id: 'CUSTOM_THREAT_IP_OUTBOUND', type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', direction: 'OUTBOUND', class: 'compromise', explanation: 'the instance connects out to an address on your own threat list', source: ec2Doc('UnauthorizedAccess:EC2/MaliciousIPCaller.Custom') },
  { id: 'COMMAND_AND_CONTROL', type: 'Backdoor:EC2/C&CActivity.*', class: 'compromise', explanation: 'the instance contacts a known command-and-control server', source: ec2Doc('Backdoor:EC2/C&CActivity.B') },
  { id: 'DOS_SOURCE', type: 'Backdoor:EC2/DenialOfService.*', class: 'compromise', explanation: 'the instance is the source of a denial-of-service attack', source: ec2Doc('Backdoor:EC2/DenialOfService.Tcp') },
  { id: 'SPAMBOT', type: 'Backdoor:EC2/Spambot', class: 'compromise', explanation: 'the instance sends spam (outbound port 25)', source: ec2Doc('Backdoor:EC2/Spambot') },
  { id: 'OUTBOUND_PORT_SCAN', type: 'Recon:EC2/Portscan', class: 'compromise', explanation: 'the instance port-scans a remote host', source: ec2Doc('Recon:EC2/Portscan') },
  { id: 'OUTBOUND_PORT_SWEEP', type: 'Impact:EC2/PortSweep', class: 'compromise', explanation: 'the instance probes one port on many addresses', source: ec2Doc('Impact:EC2/PortSweep') },
  { id: 'TROJAN', type: 'Trojan:EC2/*', class: 'compromise', explanation: 'DNS data exfiltration, DGA domains, drop points, black-hole or phishing destinations: outbound contact with a bad address', source: ec2Doc('Trojan:EC2/DNSDataExfiltration') },
  { id: 'TOR_CLIENT', type: 'UnauthorizedAccess:EC2/TorClient', class: 'compromise', explanation: 'the instance connects to Tor guard or authority nodes (a Tor client)', source: ec2Doc('UnauthorizedAccess:EC2/TorClient') },
  { id: 'TOR_RELAY', type: 'UnauthorizedAccess:EC2/TorRelay', class: 'compromise', explanation: 'the instance acts as a Tor relay', source: ec2Doc('UnauthorizedAccess:EC2/TorRelay') },
  { id: 'METADATA_DNS_REBIND', type: 'UnauthorizedAccess:EC2/MetadataDNSRebind', class: 'compromise', explanation: 'the instance resolves a domain that rebinds to the metadata service (credential theft)', source: ec2Doc('UnauthorizedAccess:EC2/MetadataDNSRebind') },
  { id: 'MALICIOUS_DOMAIN', type: 'Impact:EC2/MaliciousDomainRequest.*', class: 'compromise', explanation: 'the instance queries a known malicious domain', source: ec2Doc('Impact:EC2/MaliciousDomainRequest.Reputation') },
  { id: 'DNS_EVASION', type: 'DefenseEvasion:EC2/*', class: 'compromise', explanation: 'the instance bypasses the VPC resolver (unusual resolver, DoH, DoT); nodeos and the image use the VPC resolver only', source: ec2Doc('DefenseEvasion:EC2/UnusualDNSResolver') },
  { id: 'MALWARE_FILE', type: 'Execution:EC2/MaliciousFile*', class: 'compromise', explanation: 'Malware Protection found a malicious file on the instance', source: MALWARE },

  // ---- Runtime Monitoring (no resource role): execution and persistence on the host
  { id: 'RUNTIME_CRYPTO_MINER', type: 'Impact:Runtime/CryptoMinerExecuted', class: 'compromise', explanation: 'a crypto-mining process runs on the instance (a seed node never mines)', source: RUNTIME },
  { id: 'RUNTIME_BITCOIN', type: 'CryptoCurrency:Runtime/BitcoinTool.B*', class: 'expected-on-blockchain-node', explanation: 'GuardDuty documents Bitcoin-related traffic as possibly expected on an instance involved in blockchain activity', source: RUNTIME },
  { id: 'RUNTIME_BITCOIN_DOMAIN', type: 'Impact:Runtime/BitcoinDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'GuardDuty documents cryptocurrency domains as possibly expected on an instance involved in blockchain activity', source: RUNTIME },
  { id: 'RUNTIME_MALICIOUS_DOMAIN', type: 'Impact:Runtime/MaliciousDomainRequest.Reputation', class: 'compromise', explanation: 'a process queries a known malicious domain', source: RUNTIME },
  { id: 'RUNTIME_PEER_HOSTNAME_REPUTATION', type: 'Impact:Runtime/AbusedDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'p2p peers are listed by host name, often on free dynamic-DNS domains that GuardDuty rates as abused', source: RUNTIME },
  { id: 'RUNTIME_PEER_HOSTNAME_LOW_REPUTATION', type: 'Impact:Runtime/SuspiciousDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'p2p peers are listed by host name, often on new or low-reputation domains', source: RUNTIME },
  { id: 'RUNTIME_EXECUTION', type: 'Execution:Runtime/*', class: 'compromise', explanation: 'a new binary, reverse shell, suspicious tool or malicious file ran on the instance', source: RUNTIME },
  { id: 'RUNTIME_PERSISTENCE', type: 'Persistence:Runtime/*', class: 'compromise', explanation: 'a process set up persistence on the instance', source: RUNTIME },
  { id: 'RUNTIME_PRIVILEGE_ESCALATION', type: 'PrivilegeEscalation:Runtime/*', class: 'compromise', explanation: 'a process escalated privileges', source: RUNTIME },
  { id: 'RUNTIME_DEFENSE_EVASION', type: 'DefenseEvasion:Runtime/*', class: 'compromise', explanation: 'a process hides itself (injection, fileless execution, anti-debugging)', source: RUNTIME },
  { id: 'RUNTIME_DISCOVERY', type: 'Discovery:Runtime/*', class: 'compromise', explanation: 'a process ran discovery commands', source: RUNTIME },
  { id: 'RUNTIME_BACKDOOR', type: 'Backdoor:Runtime/*', class: 'compromise', explanation: 'a process contacts a command-and-control server', source: RUNTIME },
  { id: 'RUNTIME_TROJAN', type: 'Trojan:Runtime/*', class: 'compromise', explanation: 'a process contacts a bad address (drop point, DGA, black hole, phishing)', source: RUNTIME },
  { id: 'RUNTIME_TOR', type: 'UnauthorizedAccess:Runtime/Tor*', class: 'compromise', explanation: 'a process acts as a Tor client or relay', source: RUNTIME },
  { id: 'RUNTIME_METADATA_DNS_REBIND', type: 'UnauthorizedAccess:Runtime/MetadataDNSRebind', class: 'compromise', explanation: 'a process resolves a domain that rebinds to the metadata service', source: RUNTIME },

  // ---- activity GuardDuty documents as possibly expected on a blockchain node
  { id: 'BITCOIN_TOOL', type: 'CryptoCurrency:EC2/BitcoinTool.B', class: 'expected-on-blockchain-node', explanation: 'GuardDuty documents Bitcoin-related traffic as possibly expected on an instance involved in blockchain activity', source: ec2Doc('CryptoCurrency:EC2/BitcoinTool.B'), suppress: true },
  { id: 'BITCOIN_TOOL_DNS', type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', class: 'expected-on-blockchain-node', explanation: 'GuardDuty documents Bitcoin-related DNS queries as possibly expected on an instance involved in blockchain activity', source: ec2Doc('CryptoCurrency:EC2/BitcoinTool.B!DNS'), suppress: true },
  { id: 'BITCOIN_DOMAIN', type: 'Impact:EC2/BitcoinDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'GuardDuty documents cryptocurrency domains as possibly expected on an instance involved in blockchain activity', source: ec2Doc('Impact:EC2/BitcoinDomainRequest.Reputation'), suppress: true },
  { id: 'PEER_HOSTNAME_REPUTATION', type: 'Impact:EC2/AbusedDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'p2p peers are listed by host name, often on free dynamic-DNS domains that GuardDuty rates as abused; resolving them is the node\'s job', source: ec2Doc('Impact:EC2/AbusedDomainRequest.Reputation') },
  { id: 'PEER_HOSTNAME_LOW_REPUTATION', type: 'Impact:EC2/SuspiciousDomainRequest.Reputation', class: 'expected-on-blockchain-node', explanation: 'p2p peers are listed by host name, often on new or low-reputation domains; resolving them is the node\'s job', source: ec2Doc('Impact:EC2/SuspiciousDomainRequest.Reputation') },
  { id: 'PEER_PORT_OUTBOUND', type: 'Behavior:EC2/NetworkPortUnusual', direction: 'OUTBOUND', class: 'expected-on-blockchain-node', explanation: 'a seed node connects out to peers on whatever p2p port they listen on', source: ec2Doc('Behavior:EC2/NetworkPortUnusual') },

  // ---- someone attacks the cluster from outside: notify only
  { id: 'PORT_PROBE', type: 'Recon:EC2/PortProbeUnprotectedPort', class: 'attack-on-us', explanation: 'the internet probes an open port; the p2p port is open to everyone by design', source: ec2Doc('Recon:EC2/PortProbeUnprotectedPort') },
  { id: 'PORT_PROBE_EMR', type: 'Recon:EC2/PortProbeEMRUnprotectedPort', class: 'attack-on-us', explanation: 'the internet probes a port (seed nodes run no EMR)', source: ec2Doc('Recon:EC2/PortProbeEMRUnprotectedPort') },
  { id: 'RDP_BRUTE_FORCE_AGAINST_US', type: 'UnauthorizedAccess:EC2/RDPBruteForce', class: 'attack-on-us', explanation: 'someone tries RDP passwords against the instance (seed nodes run no RDP)', source: ec2Doc('UnauthorizedAccess:EC2/RDPBruteForce') },
  { id: 'WINRM_BRUTE_FORCE_AGAINST_US', type: 'Impact:EC2/WinRMBruteForce', class: 'attack-on-us', explanation: 'someone tries WinRM passwords against the instance (seed nodes run no WinRM)', source: ec2Doc('Impact:EC2/WinRMBruteForce') },
  { id: 'TOR_CALLER', type: 'UnauthorizedAccess:EC2/TorIPCaller', class: 'attack-on-us', explanation: 'inbound connections from Tor exit nodes; a p2p node accepts peers from anyone', source: ec2Doc('UnauthorizedAccess:EC2/TorIPCaller') },
  { id: 'CUSTOM_THREAT_IP_INBOUND', type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', class: 'attack-on-us', explanation: 'an address on your threat list connects in', source: ec2Doc('UnauthorizedAccess:EC2/MaliciousIPCaller.Custom') },
  { id: 'UNUSUAL_PORT_INBOUND', type: 'Behavior:EC2/NetworkPortUnusual', class: 'attack-on-us', explanation: 'inbound traffic on a port the instance has no history of', source: ec2Doc('Behavior:EC2/NetworkPortUnusual') },
  { id: 'TRAFFIC_VOLUME', type: 'Behavior:EC2/TrafficVolumeUnusual', class: 'attack-on-us', explanation: 'unusual traffic volume: peers flooding a seed node with sync requests show up this way', source: ec2Doc('Behavior:EC2/TrafficVolumeUnusual') },
];

/**
 * Whether a rule's type pattern matches a finding type: exactly, or as a prefix when it ends in `*`.
 * @internal
 */
export function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Normalises a role or direction as GuardDuty writes it (upper case), or undefined. @internal */
function upper(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.toUpperCase();
}

/**
 * Why a finding must be ignored before any rule is read, or undefined. The event parser calls this before it
 * looks for the cluster tag (a non-instance resource carries no instance tags), and so does the forwarding
 * rule's event pattern, in EventBridge's terms.
 */
export function ignoredBeforeRules(facts: FindingFacts): FindingVerdict | undefined {
  if (facts.sample) {
    return { class: 'ignore', ruleId: 'SAMPLE', explanation: 'a sample finding (service.additionalInfo.sample), generated on request: no activity happened', source: SAMPLES };
  }
  if (facts.archived) {
    return { class: 'ignore', ruleId: 'ARCHIVED', explanation: 'an archived finding (service.archived): someone, or a suppression rule, already dealt with it', source: DETAILS };
  }
  if (facts.type.startsWith(ATTACK_SEQUENCE_PREFIX)) {
    // An attack sequence spans several resources and carries no instance tags of its own: it names no single
    // cluster, and guessing one could isolate the wrong cluster. GuardDuty shows it to the security team;
    // on-call isolates by hand (`seedshield isolate`) if it involves seed nodes.
    return { class: 'ignore', ruleId: 'ATTACK_SEQUENCE', explanation: 'a multi-resource attack sequence names no single cluster: seedshield does not act on it, isolate by hand if it involves seed nodes', source: SEQUENCES };
  }
  if (facts.resourceType !== INSTANCE_RESOURCE_TYPE) {
    return { class: 'ignore', ruleId: 'NOT_AN_INSTANCE', explanation: `the finding concerns a ${facts.resourceType} resource, not a cluster instance`, source: DETAILS };
  }
  return undefined;
}

/**
 * Classifies one finding.
 *
 * Order: the ignore checks (sample, archived, attack sequence, not an instance); then the rules, `overrides`
 * (from the config) before the built-in table, first match wins; an `attack-on-us` verdict on a High finding
 * where the instance is the ACTOR becomes a compromise (the instance is not the victim then); an unknown type
 * is classified by severity (High -> compromise, else attack-on-us) with a warning so on-call extends the table.
 *
 * @param facts what the finding says
 * @param overrides rules from the configuration, checked first
 */
export function classifyFinding(facts: FindingFacts, overrides: readonly FindingRule[] = []): FindingVerdict {
  const ignored = ignoredBeforeRules(facts);
  if (ignored) return ignored;
  const role = upper(facts.resourceRole);
  const direction = upper(facts.direction);
  const high = facts.severity >= HIGH_SEVERITY;
  const rule = [...overrides, ...FINDING_POLICY].find(
    (r) => typeMatches(r.type, facts.type) && (r.role === undefined || r.role === role) && (r.direction === undefined || r.direction === direction),
  );
  if (rule) {
    if (rule.class === 'attack-on-us' && high && role === 'ACTOR') {
      return { class: 'compromise', ruleId: 'HIGH_SEVERITY_ACTOR', explanation: `a High finding (severity ${facts.severity}) where the instance is the ACTOR: it attacks, it is not the victim (rule ${rule.id} alone would say attack-on-us)`, source: DETAILS };
    }
    return { class: rule.class, ruleId: rule.id, explanation: rule.explanation, source: rule.source };
  }
  const warning = `GuardDuty finding type ${facts.type} is not in seedshield's finding policy; classified by severity ${facts.severity}. Add it to protection.guardDuty.findingPolicy to decide explicitly.`;
  return high
    ? { class: 'compromise', ruleId: 'UNKNOWN_HIGH', explanation: `an unknown finding type of High severity (${facts.severity} >= ${HIGH_SEVERITY})`, source: SEVERITY, warning }
    : { class: 'attack-on-us', ruleId: 'UNKNOWN_BELOW_HIGH', explanation: `an unknown finding type below High severity (${facts.severity} < ${HIGH_SEVERITY}): notify only`, source: SEVERITY, warning };
}

/**
 * The finding types the optional GuardDuty suppression filter archives on seedshield's instances: the exact
 * types of `expected-on-blockchain-node` rules marked `suppress`. Never an attack-on-us or compromise type:
 * archived findings reach nobody, not even the SNS topic.
 */
export function suppressedFindingTypes(overrides: readonly FindingRule[] = []): string[] {
  const types = new Set<string>();
  const overridden = new Set(overrides.map((r) => r.type));
  for (const r of [...overrides, ...FINDING_POLICY]) {
    // A config rule for a type replaces the built-in decision about suppressing it.
    if (overrides.indexOf(r) < 0 && overridden.has(r.type)) continue;
    if (r.suppress === true && r.class === 'expected-on-blockchain-node' && !r.type.endsWith('*') && r.role === undefined && r.direction === undefined) types.add(r.type);
  }
  return [...types].sort();
}

/**
 * Finding types the policy ignores whatever their role or direction (config rules of class `ignore` for one
 * exact type): the forwarding rules drop them so they never reach the Lambda.
 */
export function ignoredFindingTypes(overrides: readonly FindingRule[] = []): string[] {
  return [...new Set(overrides.filter((r) => r.class === 'ignore' && !r.type.endsWith('*') && r.role === undefined && r.direction === undefined).map((r) => r.type))].sort();
}
