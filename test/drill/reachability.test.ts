/**
 * The reachability model against a hand-built cluster (the layout the cluster stack deploys), and the two
 * ways of cutting it: revoking the NLB security group's ingress (the old cut) and the network ACL layout of
 * nacl-plan.ts (the new one).
 */
import {
  evaluateFlows,
  aclDecision,
  type AclEntry,
  type FlowKind,
  type FlowVerdict,
  type NetworkSnapshot,
} from '../../drill/reachability/model';
import { blockProducerCutPlan, internetCutPlan, type NaclPlanInput, type PlannedNaclEntry } from '../../lambdas/actuators/nacl-plan';

const SITES = ['192.168.10.0/24', '172.20.0.0/16'];
const VPC = '10.0.0.0/16';
const VPC_V6 = '2600:1f18:abcd:1200::/56';

/** The cluster as the stack builds it: allow-all ACLs at 1000, NLB SG open on 9876, NAT egress, VPN propagation. */
function cluster(options: { endpoints?: boolean; ipv6?: boolean } = {}): NetworkSnapshot {
  const allowAll = (extra: AclEntry[] = []): AclEntry[] => [
    { ruleNumber: 1000, egress: false, action: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
    { ruleNumber: 1000, egress: true, action: 'allow', protocol: '-1', cidr: '0.0.0.0/0' },
    ...(options.ipv6
      ? ([
          { ruleNumber: 1001, egress: false, action: 'allow', protocol: '-1', cidr: '::/0' },
          { ruleNumber: 1001, egress: true, action: 'allow', protocol: '-1', cidr: '::/0' },
        ] as AclEntry[])
      : []),
    ...extra,
  ];
  return {
    vpcCidrs: options.ipv6 ? [VPC, VPC_V6] : [VPC],
    siteCidrs: SITES,
    subnets: [
      { id: 'subnet-pub-a', networkAclId: 'acl-pub', routeTableId: 'rtb-pub' },
      { id: 'subnet-priv-a', networkAclId: 'acl-priv', routeTableId: 'rtb-priv-a' },
    ],
    networkAcls: { 'acl-pub': allowAll(), 'acl-priv': allowAll() },
    routeTables: [
      { id: 'rtb-pub', routes: [{ destination: '0.0.0.0/0', target: 'igw', targetId: 'igw-1' }], propagatingVgwIds: [] },
      { id: 'rtb-priv-a', routes: [{ destination: '0.0.0.0/0', target: 'nat', targetId: 'nat-a' }], propagatingVgwIds: ['vgw-1'] },
    ],
    vpnGateway: { id: 'vgw-1', attached: true, advertisedCidrs: SITES },
    securityGroups: [
      {
        id: 'sg-nlb',
        ingress: [{ protocol: 'tcp', fromPort: 9876, toPort: 9876, cidr: '0.0.0.0/0' }],
        egress: [{ protocol: 'tcp', fromPort: 9876, toPort: 9876, groupId: 'sg-node' }],
      },
      {
        id: 'sg-node',
        ingress: [{ protocol: 'tcp', fromPort: 9876, toPort: 9876, groupId: 'sg-nlb' }],
        egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }],
      },
      { id: 'sg-jump', ingress: [], egress: [{ protocol: '-1', cidr: '0.0.0.0/0' }] },
      { id: 'sg-endpoints', ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: VPC }], egress: [] },
    ],
    enis: [
      { id: 'eni-nlb-a', role: 'nlb', subnetId: 'subnet-pub-a', ip: '10.0.0.10', securityGroupIds: ['sg-nlb'] },
      { id: 'eni-nat-a', role: 'nat', subnetId: 'subnet-pub-a', ip: '10.0.0.20', securityGroupIds: [], service: 'nat-a' },
      { id: 'node-1', role: 'seed-node', subnetId: 'subnet-priv-a', ip: '10.0.16.10', securityGroupIds: ['sg-node'] },
      { id: 'jumpbox', role: 'jumpbox', subnetId: 'subnet-priv-a', ip: '10.0.16.20', securityGroupIds: ['sg-jump'] },
      ...(options.endpoints
        ? ['ssm', 'ssmmessages', 'ec2messages', 'logs', 'kms', 'monitoring'].map((service, i) => ({
            id: `eni-vpce-${service}`,
            role: 'endpoint' as const,
            subnetId: 'subnet-priv-a',
            ip: `10.0.17.${10 + i}`,
            securityGroupIds: ['sg-endpoints'],
            service,
          }))
        : []),
    ],
  };
}

function planInput(s: NetworkSnapshot): NaclPlanInput {
  return {
    networkAclIds: ['acl-pub', 'acl-priv'],
    vpcIpv4Cidrs: s.vpcCidrs.filter((c) => !c.includes(':')),
    vpcIpv6Cidrs: s.vpcCidrs.filter((c) => c.includes(':')),
    siteIpv4Cidrs: s.siteCidrs.filter((c) => !c.includes(':')),
    siteIpv6Cidrs: s.siteCidrs.filter((c) => c.includes(':')),
  };
}

function withEntries(s: NetworkSnapshot, planned: readonly PlannedNaclEntry[]): NetworkSnapshot {
  const acls: Record<string, AclEntry[]> = Object.fromEntries(Object.entries(s.networkAcls).map(([k, v]) => [k, [...v]]));
  for (const p of planned) {
    acls[p.networkAclId].push({ ruleNumber: p.ruleNumber, egress: p.egress, action: p.action, protocol: '-1', cidr: (p.cidrBlock ?? p.ipv6CidrBlock)! });
  }
  return { ...s, networkAcls: acls };
}

/** The old internet cut: every NLB security group ingress rule revoked. */
function securityGroupCut(s: NetworkSnapshot): NetworkSnapshot {
  return { ...s, securityGroups: s.securityGroups.map((g) => (g.id === 'sg-nlb' ? { ...g, ingress: [] } : g)) };
}

const reachable = (v: readonly FlowVerdict[], kind: FlowKind) => v.filter((f) => f.kind === kind).map((f) => f.reachable);

describe('reachability model', () => {
  test('when nothing is cut, it finds every flow: peers new and established, health checks, NAT egress, each site, operator access', () => {
    // GIVEN
    const open = cluster();

    // WHEN
    const verdicts = evaluateFlows(open);

    // THEN
    expect(verdicts.filter((v) => !v.reachable)).toEqual([]);
    expect(verdicts.map((v) => v.kind).sort()).toEqual(
      ['agent-metrics', 'bp', 'bp', 'egress', 'health-check', 'operator-jumpbox', 'operator-node', 'peer', 'peer-established'].sort(),
    );
  });

  test('when the NLB security group ingress is revoked (the old cut), it keeps the established peer session: the old cut fails isolation', () => {
    // GIVEN
    const open = cluster();

    // WHEN
    const cut = evaluateFlows(securityGroupCut(open), open);

    // THEN new sessions are refused, but the session already open is tracked and survives; egress and the BP path stay
    expect(reachable(cut, 'peer')).toEqual([false]);
    expect(reachable(cut, 'peer-established')).toEqual([true]);
    expect(reachable(cut, 'egress')).toEqual([true]);
    expect(reachable(cut, 'bp')).toEqual([true, true]);
  });

  test('when the internet cut of the ACL plan is in force, it drops established sessions and NAT egress and keeps health checks and the BP path', () => {
    // GIVEN
    const open = cluster({ endpoints: true });

    // WHEN
    const cut = evaluateFlows(withEntries(open, internetCutPlan(planInput(open))), open);

    // THEN
    expect(reachable(cut, 'peer')).toEqual([false]);
    expect(reachable(cut, 'peer-established')).toEqual([false]);
    expect(cut.find((v) => v.kind === 'peer-established')?.blockedBy).toMatch(/rule 900 denies 0\.0\.0\.0\/0/);
    expect(reachable(cut, 'egress')).toEqual([false]);
    expect(reachable(cut, 'health-check')).toEqual([true]);
    expect(reachable(cut, 'bp')).toEqual([true, true]);
    expect(reachable(cut, 'operator-jumpbox')).toEqual([true]);
    expect(reachable(cut, 'operator-node')).toEqual([true]);
    expect(reachable(cut, 'agent-metrics')).toEqual([true]);
  });

  test('when both cuts are in force, it finds no peer, egress or BP flow, and health checks and operator access still work', () => {
    // GIVEN
    const open = cluster({ endpoints: true, ipv6: true });
    const plan = [...internetCutPlan(planInput(open)), ...blockProducerCutPlan(planInput(open))];

    // WHEN
    const cut = evaluateFlows(withEntries(open, plan), open);

    // THEN
    for (const kind of ['peer', 'peer-established', 'egress', 'bp'] as const) expect(reachable(cut, kind).every((r) => !r)).toBe(true);
    for (const kind of ['health-check', 'operator-jumpbox', 'operator-node', 'agent-metrics'] as const) expect(reachable(cut, kind)).toEqual([true]);
  });

  test('when only the BP path is cut, it keeps the internet flows and drops each site', () => {
    // GIVEN
    const open = cluster();

    // WHEN
    const cut = evaluateFlows(withEntries(open, blockProducerCutPlan(planInput(open))), open);

    // THEN
    expect(reachable(cut, 'bp')).toEqual([false, false]);
    expect(reachable(cut, 'peer-established')).toEqual([true]);
    expect(reachable(cut, 'egress')).toEqual([true]);
  });

  test('when the cluster has no interface endpoints, it loses operator access under the internet cut (Session Manager goes through NAT)', () => {
    // GIVEN
    const open = cluster({ endpoints: false });

    // WHEN
    const cut = evaluateFlows(withEntries(open, internetCutPlan(planInput(open))), open);

    // THEN
    expect(reachable(cut, 'operator-jumpbox')).toEqual([false]);
    expect(reachable(cut, 'operator-node')).toEqual([false]);
    expect(reachable(cut, 'agent-metrics')).toEqual([false]);
    expect(cut.find((v) => v.kind === 'agent-metrics')?.blockedBy).toMatch(/^monitoring: no interface endpoint/);
  });

  test('when the endpoints sit in another private subnet than the node, the VPC-CIDR allows (100-199) are what keep operator access and metrics through the internet cut', () => {
    // GIVEN: the stack's layout: endpoints in the first private subnets, a node in another one (its ACL crossed)
    const base = cluster({ endpoints: true });
    const open: NetworkSnapshot = {
      ...base,
      subnets: [...base.subnets, { id: 'subnet-priv-b', networkAclId: 'acl-priv', routeTableId: 'rtb-priv-a' }],
      enis: base.enis.map((e) => (e.role === 'seed-node' ? { ...e, subnetId: 'subnet-priv-b', ip: '10.0.32.10' } : e)),
    };
    const plan = internetCutPlan(planInput(open));

    // WHEN
    const cut = evaluateFlows(withEntries(open, plan), open);
    const withoutVpcAllows = evaluateFlows(withEntries(open, plan.filter((p) => p.ruleNumber >= 200)), open);

    // THEN
    for (const kind of ['operator-jumpbox', 'operator-node', 'agent-metrics', 'health-check'] as const) expect(reachable(cut, kind)).toEqual([true]);
    expect(reachable(withoutVpcAllows, 'operator-node')).toEqual([false]);
    expect(reachable(withoutVpcAllows, 'agent-metrics')).toEqual([false]);
    expect(withoutVpcAllows.find((v) => v.kind === 'agent-metrics')?.blockedBy).toMatch(/rule 900 denies 0\.0\.0\.0\/0/);
  });

  test('when VPN route propagation is disabled, it drops the site flows (no route), even with open ACLs', () => {
    // GIVEN
    const open = cluster();
    const noPropagation = { ...open, routeTables: open.routeTables.map((t) => ({ ...t, propagatingVgwIds: [] })) };

    // WHEN
    const verdicts = evaluateFlows(noPropagation);

    // THEN
    expect(reachable(verdicts, 'bp')).toEqual([false, false]);
    expect(verdicts.find((v) => v.kind === 'bp')?.blockedBy).toMatch(/no route/);
  });

  test('when an allow and a deny both match, it applies the lower rule number first, whatever the order listed', () => {
    // GIVEN
    const entries: AclEntry[] = [
      { ruleNumber: 900, egress: false, action: 'deny', protocol: '-1', cidr: '0.0.0.0/0' },
      { ruleNumber: 100, egress: false, action: 'allow', protocol: '-1', cidr: '10.0.0.0/16' },
    ];

    // WHEN / THEN
    expect(aclDecision(entries, false, '10.0.3.4', '6', 9876)?.action).toBe('allow');
    expect(aclDecision(entries, false, '198.51.100.7', '6', 9876)?.action).toBe('deny');
    expect(aclDecision(entries, true, '10.0.3.4', '6', 9876)).toBeUndefined();
  });
});
