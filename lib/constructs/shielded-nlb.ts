import { Duration, Validations } from 'aws-cdk-lib';
import * as certificatemanager from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';
import { HTTP_API_PORT, P2P_PORT } from './seed-node-user-data';
import { acknowledgeControl } from '../control-tower';

/** TCP port of the TLS HTTP API listener, used instead of plain 8888 when a certificate is given. */
export const HTTPS_API_PORT = 443;

/** Props of {@link ShieldedNlb}. */
export interface ShieldedNlbProps {
  /** The cluster VPC. The NLB gets one node per public subnet, each on its own Elastic IP. */
  readonly vpc: ec2.IVpc;
  /** The seed nodes behind both listeners. */
  readonly targets: elbv2.INetworkLoadBalancerTarget[];
  /**
   * Certificate for a TLS 443 listener in front of the HTTP API.
   * @default - plain HTTP API on 8888
   * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html
   */
  readonly httpsCertificate?: certificatemanager.ICertificate;
}

/**
 * An internet-facing Network Load Balancer on one Elastic IP per AZ, with an explicit security group.
 *
 * The EIPs are what Shield Advanced protects (an NLB is not a protectable resource) and what the seed record
 * points at. The security group can only be attached at creation; the control plane revokes its ingress to
 * cut inbound internet traffic, which keeps the EIPs, listeners and NAT return paths intact.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
 */
export class ShieldedNlb extends Construct {
  /** The load balancer. */
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** The security group attached to the NLB: ingress only on the listener ports. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** One Elastic IP per AZ, in the VPC's AZ order. `ref` is the public address. */
  public readonly eips: readonly ec2.CfnEIP[];
  /** Target group of the Antelope p2p listener (9876). */
  public readonly p2pTargetGroup: elbv2.NetworkTargetGroup;
  /** Target group of the HTTP API listener (8888, or 443 with TLS), forwarding to nodeos on 8888. */
  public readonly httpTargetGroup: elbv2.NetworkTargetGroup;
  /** The public HTTP API port: 443 with a certificate, 8888 otherwise. */
  public readonly httpListenerPort: number;

  constructor(scope: Construct, id: string, props: ShieldedNlbProps) {
    super(scope, id);
    const publicSubnets = props.vpc.publicSubnets;
    if (publicSubnets.length < 2) {
      throw new ValidationError(`vpc must have public subnets in at least 2 availability zones, got: ${publicSubnets.length}`, this);
    }
    this.httpListenerPort = props.httpsCertificate ? HTTPS_API_PORT : HTTP_API_PORT;

    this.eips = publicSubnets.map((_, i) => new ec2.CfnEIP(this, `Eip${i + 1}`, { domain: 'vpc' }));

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'seedshield NLB: public seed listeners only; the control plane revokes this ingress to isolate',
      allowAllOutbound: false,
    });
    // The NLB is IPv4-only (its addresses are the EIPs), so ::/0 rules would never match anything.
    for (const port of [P2P_PORT, this.httpListenerPort]) {
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `public seed listener ${port}`);
    }
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions::AwsSolutions-EC23',
      reason: 'A public seed: the NLB must accept p2p and API connections from any address, on the listener ports only.',
    });
    // Control Tower allows the internet on 80/443 only, and lists 8888 (nodeos' HTTP port) as high-risk.
    acknowledgeControl(
      this.securityGroup,
      'vpc_sg_open_only_to_authorized_ports_check',
      'A public seed: peers anywhere on the internet connect to the p2p port (9876), and the read-only chain API listener (8888, or 443 with TLS) is public by design. Only the listener ports are open; the control plane revokes them to isolate the cluster.',
    );
    acknowledgeControl(
      this.securityGroup,
      'vpc_sg_restricted_common_ports_check',
      'Port 8888 is nodeos\' read-only chain API (get_info, blocks), published on purpose for the public: not an admin or database port. Set clusters[].httpsCertificateArn to serve it on 443 with TLS instead.',
    );

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'Resource', {
      vpc: props.vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      // The NLB holds the cluster's Elastic IPs, the seed record's addresses and the Shield protections'
      // targets: deleting it by accident takes the cluster off the internet. An attribute: no replacement.
      deletionProtection: true,
      securityGroups: [this.securityGroup],
      subnetMappings: publicSubnets.map((subnet, i) => ({ subnet, allocationId: this.eips[i].attrAllocationId })),
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ELB2',
      reason: 'NLB access logs only cover TLS listeners; the p2p listener is plain TCP. VPC flow logs record every flow instead.',
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-ELBLoggingEnabled',
      reason: 'NLB access logs only cover TLS listeners; the p2p listener is plain TCP. VPC flow logs (encrypted, kept one year) record every flow instead.',
    });
    acknowledgeControl(
      this.loadBalancer,
      'elbv2_logging_enabled_check',
      'NLB access logs only record TLS listeners (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html); the p2p listener is plain TCP, so a log bucket would stay empty. VPC flow logs (encrypted, kept one year) record every flow instead.',
    );

    // Client IPs preserved: otherwise every peer looks like the NLB to nodeos, and p2p-max-nodes-per-host
    // would cap the whole internet at a couple of connections.
    this.p2pTargetGroup = new elbv2.NetworkTargetGroup(this, 'P2pTargetGroup', {
      vpc: props.vpc,
      port: P2P_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: props.targets,
      preserveClientIp: true,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        protocol: elbv2.Protocol.TCP,
        port: String(P2P_PORT),
        interval: Duration.seconds(10),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 3,
      },
    });
    this.httpTargetGroup = new elbv2.NetworkTargetGroup(this, 'HttpTargetGroup', {
      vpc: props.vpc,
      port: HTTP_API_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: props.targets,
      preserveClientIp: true,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        port: String(HTTP_API_PORT),
        path: '/v1/chain/get_info',
        interval: Duration.seconds(10),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 3,
      },
    });

    const p2pListener = this.loadBalancer.addListener('P2pListener', {
      port: P2P_PORT,
      protocol: elbv2.Protocol.TCP,
      defaultTargetGroups: [this.p2pTargetGroup],
    });
    const httpListener = this.loadBalancer.addListener('HttpListener', {
      port: this.httpListenerPort,
      protocol: props.httpsCertificate ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
      certificates: props.httpsCertificate ? [elbv2.ListenerCertificate.fromCertificateManager(props.httpsCertificate)] : undefined,
      sslPolicy: props.httpsCertificate ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      defaultTargetGroups: [this.httpTargetGroup],
    });
    Validations.of(p2pListener).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired',
      reason: 'Antelope p2p is a plain TCP protocol: nodeos peers do not speak TLS, so a TLS listener would lock every peer out. Peer traffic is public chain data.',
    });
    if (!props.httpsCertificate) {
      Validations.of(httpListener).acknowledge({
        id: 'NIST.800.53.R5::NIST.800.53.R5-ELBv2ACMCertificateRequired',
        reason: 'No httpsCertificateArn configured for this cluster: the read-only chain API (public chain data) is served on plain 8888. Set clusters[].httpsCertificateArn to get TLS 443 instead.',
      });
    }
    // Stack-wide tags (cluster id, app) reach listeners too, but the CloudFormation schema cfn-lint checks
    // against has no Tags on AWS::ElasticLoadBalancingV2::Listener: drop them there only.
    for (const listener of [p2pListener, httpListener]) {
      (listener.node.defaultChild as elbv2.CfnListener).addPropertyDeletionOverride('Tags');
    }
  }
}
