/**
 * The network ACL rule quota, checked at config time: the cluster ACLs' own entries plus every entry of both
 * cuts must fit "Rules per network ACL" (20 per direction by default, up to 40).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { naclQuotaProblems, PERMANENT_NACL_ENTRIES_PER_DIRECTION, worstCaseNaclEntries } from '../../lib/config/nacl-quota';
import { buildApp, configWith, exampleConfig, problemsFor } from '../support/example';

/** Adds `n` extra IPv4 CIDRs (172.16.x.0/24, clear of every VPC) to the first site. */
const withExtraSiteCidrs = (n: number) => (raw: any) => {
  for (let i = 0; i < n; i++) raw.sites[0].cidrs.ipv4.push(`172.16.${i}.0/24`);
};

describe('network ACL rule quota', () => {
  test('when the example is parsed, the worst case fits the default quota of 20', () => {
    // GIVEN / WHEN
    const n = worstCaseNaclEntries(exampleConfig());
    // THEN 1 permanent + 1 VPC allow + 4 site denies + 4 site allows + 1 internet deny
    expect(n).toEqual({ permanent: 1, vpcAllows: 1, siteDenies: 4, siteAllows: 4, internetDenies: 1, total: 11 });
    expect(naclQuotaProblems(exampleConfig())).toEqual([]);
  });

  test.each([
    { extra: 4, quota: undefined, ok: true }, // 8 site CIDRs: 1 + 1 + 8 + 8 + 1 = 19 <= 20
    { extra: 5, quota: undefined, ok: false }, // 9 site CIDRs: 21 > 20
    { extra: 5, quota: 40, ok: true }, // 21 <= 40
    { extra: 14, quota: 40, ok: true }, // 18 site CIDRs: 39 <= 40
    { extra: 15, quota: 40, ok: false }, // 19 site CIDRs: 41 > 40
  ])('when the sites list $extra more CIDRs and the quota is $quota, it accepts the config: $ok', ({ extra, quota, ok }) => {
    // GIVEN
    const edit = (raw: any) => {
      withExtraSiteCidrs(extra)(raw);
      if (quota !== undefined) raw.controlPlane.isolation = { ...(raw.controlPlane.isolation ?? {}), networkAclRuleQuota: quota };
    };
    // WHEN / THEN
    if (ok) expect(() => configWith(edit)).not.toThrow();
    else expect(problemsFor(edit).filter((p) => p.startsWith('controlPlane.isolation.networkAclRuleQuota:'))).toHaveLength(1);
  });

  test('when the worst case overflows, the error names the field, the counts and both fixes', () => {
    // GIVEN / WHEN
    const problems = problemsFor(withExtraSiteCidrs(5));
    // THEN
    expect(problems).toEqual([
      'controlPlane.isolation.networkAclRuleQuota: an isolation needs 21 entries per direction in each cluster network ACL (1 permanent, 1 VPC allow, 9 site denies and 9 site allows for the 9 site CIDRs, 1 internet deny), more than the quota of 20. ' +
        'Fix: list at most 8 site CIDRs in total (sites[].cidrs), or raise the Amazon VPC quota "Rules per network ACL" (Service Quotas, up to 40) in every cluster region and set networkAclRuleQuota to the value granted',
    ]);
  });

  test('when the quota is set above what AWS grants, the config is rejected naming the field', () => {
    // GIVEN / WHEN
    const problems = problemsFor((raw) => {
      raw.controlPlane.isolation = { ...(raw.controlPlane.isolation ?? {}), networkAclRuleQuota: 41 };
    });
    // THEN
    expect(problems.some((p) => p.startsWith('controlPlane.isolation.networkAclRuleQuota:'))).toBe(true);
  });

  test('when a cluster stack is synthesized, each of its ACLs holds exactly the permanent entries counted, per direction', () => {
    // GIVEN
    const { stacks } = buildApp();
    const template = Template.fromStack(stacks.clusters[0]);
    // WHEN
    const entries = Object.values(template.findResources('AWS::EC2::NetworkAclEntry')) as any[];
    const perAclAndDirection = new Map<string, number>();
    for (const e of entries) {
      const key = `${JSON.stringify(e.Properties.NetworkAclId)}|${e.Properties.Egress === true}`;
      perAclAndDirection.set(key, (perAclAndDirection.get(key) ?? 0) + 1);
    }
    // THEN
    expect(perAclAndDirection.size).toBe(4); // public and private ACL, ingress and egress
    expect(new Set(perAclAndDirection.values())).toEqual(new Set([PERMANENT_NACL_ENTRIES_PER_DIRECTION]));
  });
});
