/**
 * The private path from one cloud cluster to the physical sites (the block producer and its standby).
 */
import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { clusterParameterName, opsAlarmName } from '../config/naming';
import { SiteConfig } from '../config/schema';
import { ValidationError } from '../errors';
import { createLogsKey } from './logs-key';
import { acknowledgeControl } from '../control-tower';

/** How a cluster's VPN connections learn the site routes. */
export enum VpnRouting {
  /** BGP over each tunnel: the site announces its CIDRs, failover between lines and tunnels is automatic. */
  BGP = 'bgp',
  /** Static routes: one `AWS::EC2::VPNConnectionRoute` per site IPv4 CIDR on every connection. */
  STATIC = 'static',
}

/** Props of {@link SiteVpn}. */
export interface SiteVpnProps {
  /**
   * The cluster VPC. The virtual private gateway attaches to it and its routes propagate to the route
   * tables of `vpc.privateSubnets` only: public subnets never route to a site.
   */
  readonly vpc: ec2.IVpc;
  /** The cluster id (a DNS label); names the published SSM parameter and tags. */
  readonly clusterId: string;
  /**
   * The physical sites, each with exactly two lines. Each line becomes one customer gateway whose IP is
   * read at deploy time from the SSM parameter the line names: the template holds only the name.
   */
  readonly sites: readonly SiteConfig[];
  /**
   * How the connections learn the site routes.
   * @default VpnRouting.BGP
   */
  readonly vpnRouting?: VpnRouting | 'bgp' | 'static';
  /**
   * ASN of the AWS side of the BGP sessions (the virtual private gateway).
   * @default 64512
   * @see https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html
   */
  readonly amazonSideAsn?: number;
  /**
   * How long tunnel (IKE/IPsec) logs are kept in CloudWatch Logs.
   * @default logs.RetentionDays.ONE_YEAR
   * @see https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-logs.html
   */
  readonly tunnelLogRetention?: logs.RetentionDays;
  /**
   * Customer-managed key the tunnel log group is encrypted with.
   * @default - a new key, rotated yearly
   */
  readonly tunnelLogEncryptionKey?: kms.IKey;
}

/**
 * Minutes every tunnel of a connection must stay below UP before the `degraded` alarm fires. AWS replaces
 * tunnel endpoints one at a time during maintenance (the other tunnel carries the traffic): a quarter of an
 * hour rides that out and still pages long before a second failure is likely.
 */
export const VPN_DEGRADED_MINUTES = 15;
/** Minutes a connection may have no tunnel UP before the `down` alarm fires. */
export const VPN_DOWN_MINUTES = 5;

/**
 * IKE/IPsec proposals for every tunnel: IKEv2 only, AES256-GCM-16, SHA2-384/512, ECP DH groups 20/21, in
 * both phases. Anything weaker is refused by the AWS endpoint, so a misconfigured customer gateway fails
 * to negotiate instead of silently falling back to AES128/SHA1/group 2 (the AWS defaults).
 * @see https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html
 * @internal
 */
export const TUNNEL_CRYPTO = {
  ikeVersions: ['ikev2'],
  encryptionAlgorithms: ['AES256-GCM-16'],
  integrityAlgorithms: ['SHA2-384', 'SHA2-512'],
  dhGroupNumbers: [20, 21],
} as const;

/** One customer gateway: one line of one site. */
export interface SiteLineGateway {
  readonly siteId: string;
  readonly lineId: string;
  readonly customerGateway: ec2.CfnCustomerGateway;
  readonly vpnConnection: ec2.CfnVPNConnection;
  /**
   * `seedshield-ops.<cluster>.vpn.<site>.<line>.degraded`: at least one of the two tunnels not UP for
   * {@link VPN_DEGRADED_MINUTES} minutes (redundancy lost, the line still works).
   */
  readonly degradedAlarm: cloudwatch.Alarm;
  /**
   * `seedshield-ops.<cluster>.vpn.<site>.<line>.down`: no tunnel UP for {@link VPN_DOWN_MINUTES} minutes
   * (the line carries nothing; the other line of the site is the only path left).
   */
  readonly downAlarm: cloudwatch.Alarm;
}

/**
 * Site-to-Site VPNs from one cluster VPC to every physical site: a virtual private gateway on the VPC, one
 * customer gateway per site line, one VPN connection (two AWS tunnels) per line.
 *
 * The gateway is per VPC on purpose: each cluster is its own blast radius, and the control plane cuts one
 * cluster's path to the block producer (`DisableVgwRoutePropagation` on that VPC's private route tables,
 * network ACL denies) without touching any shared gateway. A virtual private gateway carries IPv4 only
 * inside the tunnels (IPv6 needs a Transit Gateway), so the BP path is IPv4.
 *
 * Customer-gateway addresses are secrets: they are SSM-typed stack parameters resolved at deploy time,
 * never literals in the template.
 */
export class SiteVpn extends Construct {
  /** The virtual private gateway attached to the VPC. */
  public readonly vpnGateway: ec2.CfnVPNGateway;
  /** Id of {@link vpnGateway} (also published in SSM for the control plane). */
  public readonly vpnGatewayId: string;
  /** One entry per site line: its customer gateway and VPN connection. */
  public readonly lines: readonly SiteLineGateway[];
  /** Log group receiving the tunnel logs of every connection. */
  public readonly tunnelLogGroup: logs.LogGroup;
  /** The routing mode in use. */
  public readonly vpnRouting: VpnRouting;

  constructor(scope: Construct, id: string, props: SiteVpnProps) {
    super(scope, id);
    const routing = (props.vpnRouting ?? VpnRouting.BGP) as VpnRouting;
    const amazonSideAsn = props.amazonSideAsn ?? 64512;
    this.#validate(props, routing, amazonSideAsn);
    this.vpnRouting = routing;

    this.vpnGateway = new ec2.CfnVPNGateway(this, 'Resource', {
      type: 'ipsec.1',
      amazonSideAsn,
      tags: [{ key: 'Name', value: `seedshield-${props.clusterId}` }],
    });
    this.vpnGatewayId = this.vpnGateway.ref;
    const attachment = new ec2.CfnVPCGatewayAttachment(this, 'Attachment', {
      vpcId: props.vpc.vpcId,
      vpnGatewayId: this.vpnGateway.ref,
    });

    this.tunnelLogGroup = new logs.LogGroup(this, 'TunnelLogs', {
      retention: props.tunnelLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.tunnelLogEncryptionKey ?? createLogsKey(this, 'TunnelLogsKey', `seedshield ${props.clusterId}: VPN tunnel logs`),
    });
    const tunnelOptions = this.#tunnelOptions(routing);

    const lines: SiteLineGateway[] = [];
    for (const site of props.sites) {
      for (const line of site.lines) {
        const lineId = `${pascal(site.id)}${pascal(line.id)}`;
        const customerGateway = new ec2.CfnCustomerGateway(this, `${lineId}CustomerGateway`, {
          type: 'ipsec.1',
          bgpAsn: site.bgpAsn,
          // An SSM-typed stack parameter: CloudFormation resolves it at deploy, the template holds the name.
          ipAddress: ssm.StringParameter.valueForStringParameter(this, line.customerGatewayIpParameter),
          tags: [{ key: 'Name', value: `${site.id}-${line.id}` }],
        });
        const vpnConnection = new ec2.CfnVPNConnection(this, `${lineId}Connection`, {
          type: 'ipsec.1',
          customerGatewayId: customerGateway.ref,
          vpnGatewayId: this.vpnGateway.ref,
          staticRoutesOnly: routing === VpnRouting.STATIC,
          // The same options for both tunnels: either may carry the traffic.
          vpnTunnelOptionsSpecifications: [tunnelOptions, tunnelOptions],
          tags: [{ key: 'Name', value: `seedshield-${props.clusterId}-${site.id}-${line.id}` }],
        });
        vpnConnection.node.addDependency(attachment);
        if (routing === VpnRouting.STATIC) {
          // IPv4 only: a virtual private gateway carries no IPv6 inside the tunnels.
          site.cidrs.ipv4.forEach((cidr, i) => {
            new ec2.CfnVPNConnectionRoute(this, `${lineId}Route${i}`, {
              vpnConnectionId: vpnConnection.ref,
              destinationCidrBlock: cidr,
            });
          });
        }
        lines.push({
          siteId: site.id,
          lineId: line.id,
          customerGateway,
          vpnConnection,
          ...this.#tunnelAlarms(props.clusterId, site.id, line.id, lineId, vpnConnection),
        });
      }
    }
    this.lines = lines;

    // Propagation on the private route tables only: the public subnets (NLB, NAT) never reach a site.
    const privateRouteTableIds = [...new Set(props.vpc.privateSubnets.map((s) => s.routeTable.routeTableId))];
    const propagation = new ec2.CfnVPNGatewayRoutePropagation(this, 'PrivateRoutePropagation', {
      vpnGatewayId: this.vpnGateway.ref,
      routeTableIds: privateRouteTableIds,
    });
    // Propagation fails while the gateway is still attaching.
    propagation.node.addDependency(attachment);

    new ssm.StringParameter(this, 'VpnGatewayIdParameter', {
      parameterName: clusterParameterName(props.clusterId, 'vpnGatewayId'),
      description: `Virtual private gateway of seedshield cluster ${props.clusterId} (the control plane disables its route propagation to cut the block-producer path)`,
      stringValue: this.vpnGateway.ref,
    });
  }

  /**
   * The two tunnel-state alarms of one connection. The documentation of `AWS/VPN` `TunnelState`: "For static
   * VPNs, 0 indicates DOWN and 1 indicates UP. For BGP VPNs, 1 indicates ESTABLISHED and 0 is used for all
   * other states. For both types of VPNs, values between 0 and 1 indicate at least one tunnel is not UP.
   * Unit: fractional value between 0 and 1." Per `VpnId` (both tunnels) it is therefore 1 with both up, a
   * fraction (0.5) with one up, 0 with none:
   * - degraded: Maximum < 1 over the period, i.e. no moment with every tunnel up;
   * - down: Maximum <= 0 over the period, i.e. no moment with any tunnel up. Compared with 0 rather than with
   *   0.5, so it holds whatever fraction one tunnel of several counts for.
   *
   * They live here, in the cluster's region, because the connection ids exist only here. They have no alarm
   * action (an alarm cannot notify a topic in another region): their names start with `seedshield-ops.` and
   * the cluster's {@link ClusterEventForwarder} forwards their state changes to the home bus, where one rule
   * publishes them to the on-call topic.
   * @see https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-cloudwatch-vpn.html
   */
  #tunnelAlarms(clusterId: string, siteId: string, lineId: string, constructId: string, connection: ec2.CfnVPNConnection) {
    const tunnelState = (period: Duration) =>
      new cloudwatch.Metric({
        namespace: 'AWS/VPN',
        metricName: 'TunnelState',
        dimensionsMap: { VpnId: connection.ref },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      });
    const degradedAlarm = new cloudwatch.Alarm(this, `${constructId}DegradedAlarm`, {
      alarmName: opsAlarmName(clusterId, `vpn.${siteId}.${lineId}.degraded`),
      alarmDescription: `VPN ${clusterId} -> ${siteId} ${lineId}: a tunnel has not been UP for ${VPN_DEGRADED_MINUTES} minutes; the line runs without redundancy. Check the site device and the tunnel logs.`,
      metric: tunnelState(Duration.minutes(VPN_DEGRADED_MINUTES)),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      // The `down` alarm treats silence as breaching; this one would only page twice for it.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const downAlarm = new cloudwatch.Alarm(this, `${constructId}DownAlarm`, {
      alarmName: opsAlarmName(clusterId, `vpn.${siteId}.${lineId}.down`),
      alarmDescription: `VPN ${clusterId} -> ${siteId} ${lineId}: no tunnel UP for ${VPN_DOWN_MINUTES} minutes; this line carries nothing to the site.`,
      metric: tunnelState(Duration.minutes(VPN_DOWN_MINUTES)),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      // AWS reports TunnelState for every connection, down ones included: silence is not evidence of UP.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    for (const alarm of [degradedAlarm, downAlarm]) {
      Validations.of(alarm).acknowledge({
        id: 'NIST.800.53.R5::NIST.800.53.R5-CloudWatchAlarmAction',
        reason: 'An alarm cannot notify a topic in another region: the cluster\'s event forwarder sends this alarm\'s state changes (seedshield-ops.* names) to the home bus, whose rule publishes them to the on-call topic.',
      });
      acknowledgeControl(
        alarm,
        'cloudwatch_alarm_action_check',
        'An alarm cannot notify a topic in another region: the cluster\'s event forwarder sends this alarm\'s state changes (seedshield-ops.* names) to the home bus, whose rule publishes them to the on-call topic.',
      );
    }
    return { degradedAlarm, downAlarm };
  }

  #tunnelOptions(routing: VpnRouting): ec2.CfnVPNConnection.VpnTunnelOptionsSpecificationProperty {
    const enc = TUNNEL_CRYPTO.encryptionAlgorithms.map((value) => ({ value }));
    const integ = TUNNEL_CRYPTO.integrityAlgorithms.map((value) => ({ value }));
    const dh = TUNNEL_CRYPTO.dhGroupNumbers.map((value) => ({ value }));
    return {
      ikeVersions: TUNNEL_CRYPTO.ikeVersions.map((value) => ({ value })),
      phase1EncryptionAlgorithms: enc,
      phase1IntegrityAlgorithms: integ,
      phase1DhGroupNumbers: dh,
      phase2EncryptionAlgorithms: enc,
      phase2IntegrityAlgorithms: integ,
      phase2DhGroupNumbers: dh,
      // After a dead-peer timeout AWS re-initiates IKE instead of waiting for the site to do it: the BP path
      // comes back on its own after a line flap.
      dpdTimeoutAction: 'restart',
      logOptions: {
        cloudwatchLogOptions: {
          logEnabled: true,
          logGroupArn: this.tunnelLogGroup.logGroupArn,
          logOutputFormat: 'json',
          ...(routing === VpnRouting.BGP
            ? { bgpLogEnabled: true, bgpLogGroupArn: this.tunnelLogGroup.logGroupArn, bgpLogOutputFormat: 'json' }
            : {}),
        },
      },
    };
  }

  #validate(props: SiteVpnProps, routing: VpnRouting, amazonSideAsn: number): void {
    if (props.sites.length === 0) {
      throw new ValidationError('sites must list at least one site, got: []', this);
    }
    if (!Object.values(VpnRouting).includes(routing)) {
      throw new ValidationError(`vpnRouting must be "bgp" or "static", got: ${JSON.stringify(props.vpnRouting)}`, this);
    }
    if (!Token.isUnresolved(amazonSideAsn) && (!Number.isInteger(amazonSideAsn) || amazonSideAsn < 64512 || amazonSideAsn > 65534)) {
      throw new ValidationError(`amazonSideAsn must be a private 16-bit ASN between 64512 and 65534, got: ${amazonSideAsn}`, this);
    }
    for (const site of props.sites) {
      if (site.lines.length !== 2) {
        throw new ValidationError(`sites[${site.id}].lines must list exactly two lines (one customer gateway per high-speed line), got: ${site.lines.length}`, this);
      }
      if (routing === VpnRouting.STATIC && site.cidrs.ipv4.length === 0) {
        throw new ValidationError(`sites[${site.id}].cidrs.ipv4 must list at least one CIDR for static routing, got: []`, this);
      }
    }
    if (props.vpc.privateSubnets.length === 0) {
      throw new ValidationError("vpc must have private subnets (their route tables receive the site routes), got: 0 private subnets", this);
    }
  }
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
