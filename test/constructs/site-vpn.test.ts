import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SiteVpn, SiteVpnProps } from '../../lib/constructs/site-vpn';
import { exampleConfig } from '../support/example';

const config = exampleConfig();

function build(overrides: Partial<SiteVpnProps> = {}): { stack: Stack; vpc: ec2.Vpc; template: Template } {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-north-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.10.0.0/16'),
    availabilityZones: ['eu-north-1a', 'eu-north-1b'],
    natGateways: 1,
  });
  new SiteVpn(stack, 'SiteVpn', { vpc, clusterId: 'eu-north', sites: config.sites, ...overrides });
  return { stack, vpc, template: Template.fromStack(stack) };
}

function routeTableRefs(stack: Stack, subnets: ec2.ISubnet[]): unknown[] {
  return subnets.map((s) => stack.resolve(s.routeTable.routeTableId));
}

describe('SiteVpn', () => {
  test('when built for two sites, it creates two customer gateways per site with the site ASN and an SSM-resolved IP', () => {
    // GIVEN / WHEN
    const { template } = build();
    // THEN
    template.resourceCountIs('AWS::EC2::CustomerGateway', 4);
    for (const site of config.sites) {
      for (const line of site.lines) {
        const params = template.findParameters('*', { Type: 'AWS::SSM::Parameter::Value<String>', Default: line.customerGatewayIpParameter });
        expect(Object.keys(params)).toHaveLength(1);
        template.hasResourceProperties('AWS::EC2::CustomerGateway', {
          Type: 'ipsec.1',
          BgpAsn: site.bgpAsn,
          IpAddress: { Ref: Object.keys(params)[0] },
        });
      }
    }
  });

  test('when built, it creates one VPN connection per site line on a VGW attached to the VPC with the configured ASN', () => {
    // GIVEN / WHEN
    const { template } = build({ amazonSideAsn: 64600 });
    // THEN
    template.resourceCountIs('AWS::EC2::VPNGateway', 1);
    template.hasResourceProperties('AWS::EC2::VPNGateway', { Type: 'ipsec.1', AmazonSideAsn: 64600 });
    template.hasResourceProperties('AWS::EC2::VPCGatewayAttachment', { VpcId: { Ref: Match.stringLikeRegexp('Vpc') }, VpnGatewayId: { Ref: Match.stringLikeRegexp('SiteVpn') } });
    template.resourceCountIs('AWS::EC2::VPNConnection', 4);
    const cgws = template.findResources('AWS::EC2::CustomerGateway');
    for (const cgwId of Object.keys(cgws)) {
      template.hasResourceProperties('AWS::EC2::VPNConnection', {
        CustomerGatewayId: { Ref: cgwId },
        VpnGatewayId: { Ref: Match.anyValue() },
        StaticRoutesOnly: false,
      });
    }
  });

  test('when built, every connection has two tunnels with IKEv2 only, AES256-GCM-16, SHA2-384/512, DH 20/21 and CloudWatch logging', () => {
    // GIVEN / WHEN
    const { template } = build();
    // THEN
    const tunnel = {
      IKEVersions: [{ Value: 'ikev2' }],
      Phase1EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
      Phase2EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
      Phase1IntegrityAlgorithms: [{ Value: 'SHA2-384' }, { Value: 'SHA2-512' }],
      Phase2IntegrityAlgorithms: [{ Value: 'SHA2-384' }, { Value: 'SHA2-512' }],
      Phase1DHGroupNumbers: [{ Value: 20 }, { Value: 21 }],
      Phase2DHGroupNumbers: [{ Value: 20 }, { Value: 21 }],
      LogOptions: {
        CloudwatchLogOptions: Match.objectLike({ LogEnabled: true, LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TunnelLogs'), 'Arn'] } }),
      },
    };
    const connections = Object.values(template.findResources('AWS::EC2::VPNConnection'));
    expect(connections).toHaveLength(4);
    for (const c of connections) {
      expect(c.Properties.VpnTunnelOptionsSpecifications).toHaveLength(2);
    }
    template.allResourcesProperties('AWS::EC2::VPNConnection', {
      VpnTunnelOptionsSpecifications: [Match.objectLike(tunnel), Match.objectLike(tunnel)],
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  test('when routing is BGP, it propagates routes to the private route tables only and adds no static routes', () => {
    // GIVEN / WHEN
    const { stack, vpc, template } = build();
    // THEN
    template.resourceCountIs('AWS::EC2::VPNGatewayRoutePropagation', 1);
    template.hasResourceProperties('AWS::EC2::VPNGatewayRoutePropagation', {
      RouteTableIds: routeTableRefs(stack, vpc.privateSubnets),
    });
    const propagated = JSON.stringify(template.findResources('AWS::EC2::VPNGatewayRoutePropagation'));
    for (const ref of routeTableRefs(stack, vpc.publicSubnets)) {
      expect(propagated).not.toContain(JSON.stringify(ref));
    }
    template.resourceCountIs('AWS::EC2::VPNConnectionRoute', 0);
  });

  test('when built, nothing else in the VPC routes to a site CIDR', () => {
    // GIVEN / WHEN
    const { template } = build();
    // THEN
    const routes = JSON.stringify(template.findResources('AWS::EC2::Route'));
    for (const cidr of config.sites.flatMap((s) => [...s.cidrs.ipv4, ...s.cidrs.ipv6])) {
      expect(routes).not.toContain(cidr);
    }
  });

  test('when routing is static, every connection routes exactly the site IPv4 CIDRs', () => {
    // GIVEN / WHEN
    const { template } = build({ vpnRouting: 'static' });
    // THEN
    template.allResourcesProperties('AWS::EC2::VPNConnection', { StaticRoutesOnly: true });
    const routes = Object.values(template.findResources('AWS::EC2::VPNConnectionRoute'));
    const expected = config.sites.flatMap((s) => s.lines.flatMap(() => s.cidrs.ipv4)).sort();
    expect(routes.map((r) => r.Properties.DestinationCidrBlock).sort()).toEqual(expected);
    template.resourceCountIs('AWS::EC2::VPNGatewayRoutePropagation', 1);
    // No BGP log stream without BGP.
    template.allResourcesProperties('AWS::EC2::VPNConnection', {
      VpnTunnelOptionsSpecifications: Match.arrayWith([
        Match.objectLike({ LogOptions: { CloudwatchLogOptions: Match.objectLike({ BgpLogEnabled: Match.absent() }) } }),
      ]),
    });
  });

  test('when built, it publishes the VGW id under the cluster parameter name', () => {
    // GIVEN / WHEN
    const { template } = build();
    // THEN
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/seedshield/clusters/eu-north/vpn-gateway-id',
      Value: { Ref: Match.stringLikeRegexp('SiteVpn') },
    });
  });

  test('when amazonSideAsn is outside the private range, it throws naming the value', () => {
    // GIVEN / WHEN / THEN
    expect(() => build({ amazonSideAsn: 70000 })).toThrow('amazonSideAsn must be a private 16-bit ASN between 64512 and 65534, got: 70000');
  });

  test('when vpnRouting is unknown, it throws naming the value', () => {
    // GIVEN / WHEN / THEN
    expect(() => build({ vpnRouting: 'ospf' as never })).toThrow('vpnRouting must be "bgp" or "static", got: "ospf"');
  });

  test('when a site has one line, it throws naming the site', () => {
    // GIVEN
    const sites = [{ ...config.sites[0], lines: [config.sites[0].lines[0]] }];
    // WHEN / THEN
    expect(() => build({ sites })).toThrow('sites[green-mountain].lines must list exactly two lines (one customer gateway per high-speed line), got: 1');
  });
});
