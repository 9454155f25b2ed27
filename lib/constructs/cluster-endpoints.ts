import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ValidationError } from '../errors';

/**
 * The AWS services a cluster reaches through interface VPC endpoints, by their endpoint short name.
 *
 * - `ssm`, `ssmmessages`, `ec2messages`: the SSM Agent's channels (a Session Manager session to the jumpbox
 *   and to a seed node) and the `ssm:StartSession` call the jumpbox makes to reach a node.
 * - `logs`: session logging (the agent checks the log group's encryption, then streams the session to it).
 * - `monitoring`: the node agent's `PutMetricData` (the `lagging` alarms; #15 restores on them).
 * - `kms`: instance-side KMS calls (session-data encryption with a customer key, `kms:Decrypt` by the agent)
 *   stay possible while cut. CloudWatch Logs encrypts session logs on the service side and needs none.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
 */
export type ClusterEndpointService = 'ssm' | 'ssmmessages' | 'ec2messages' | 'logs' | 'monitoring' | 'kms';

/** Every service of {@link ClusterEndpointService}, in the order the stack creates them. */
export const CLUSTER_ENDPOINT_SERVICES: readonly ClusterEndpointService[] = ['ssm', 'ssmmessages', 'ec2messages', 'logs', 'monitoring', 'kms'];

const AWS_SERVICE: Record<ClusterEndpointService, ec2.InterfaceVpcEndpointAwsService> = {
  ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  ssmmessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  ec2messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  monitoring: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
  kms: ec2.InterfaceVpcEndpointAwsService.KMS,
};

/** Props of {@link ClusterEndpoints}. */
export interface ClusterEndpointsProps {
  /** The cluster VPC; the endpoints' network interfaces go in its private subnets. */
  readonly vpc: ec2.IVpc;
  /**
   * The CIDR allowed to reach the endpoints on 443: the VPC's own. Pass it literally where it is known: a
   * literal CIDR is what rule checkers (cdk-nag, cfn-guard) can evaluate; the VPC's attribute is a token.
   * @default vpc.vpcCidrBlock
   */
  readonly vpcCidrBlock?: string;
  /**
   * Services to create an interface endpoint for.
   * @default CLUSTER_ENDPOINT_SERVICES (all six)
   */
  readonly services?: readonly ClusterEndpointService[];
  /**
   * In how many availability zones (the first N private subnets) each endpoint gets a network interface.
   * Every interface is billed per hour. Two keep the endpoints up through one AZ's outage; instances in a
   * third AZ reach them across zones (private DNS answers with every interface of the endpoint).
   * @default 2
   * @see https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html
   */
  readonly availabilityZoneCount?: number;
}

/**
 * Interface VPC endpoints with private DNS for what must keep working while the control plane has cut the
 * cluster from the internet (network ACL denies at 900, the VPC CIDR allowed at 100-199 on the same ACLs):
 * operator sessions (Session Manager, session logs) and the node agent's metrics.
 *
 * With private DNS the services' default regional names resolve to the endpoints' private addresses inside
 * the VPC, so the SSM Agent, the AWS CLI and the node agent need no configuration: their traffic never leaves
 * the VPC, cut or not. One security group admits HTTPS from the VPC CIDR and nothing else; an endpoint
 * never opens a connection, so it has no egress.
 * @see https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
 */
export class ClusterEndpoints extends Construct {
  /** The endpoints, by service. */
  public readonly endpoints: Readonly<Partial<Record<ClusterEndpointService, ec2.InterfaceVpcEndpoint>>>;
  /** The endpoints' security group: 443 from the VPC CIDR only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The private subnets the endpoints' network interfaces sit in. */
  public readonly subnets: readonly ec2.ISubnet[];

  constructor(scope: Construct, id: string, props: ClusterEndpointsProps) {
    super(scope, id);
    const services = props.services ?? CLUSTER_ENDPOINT_SERVICES;
    const azCount = props.availabilityZoneCount ?? 2;
    const privateSubnets = props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnets;
    if (!Token.isUnresolved(azCount) && !(Number.isInteger(azCount) && azCount >= 1 && azCount <= privateSubnets.length)) {
      throw new ValidationError(`availabilityZoneCount must be an integer from 1 to the VPC's ${privateSubnets.length} private subnets, got: ${azCount}`, this);
    }
    const duplicates = services.filter((s, i) => services.indexOf(s) !== i);
    if (duplicates.length > 0) {
      throw new ValidationError(`services must name each service once, got: ${JSON.stringify(services)}`, this);
    }
    this.subnets = privateSubnets.slice(0, azCount);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'seedshield VPC endpoints: HTTPS from the VPC CIDR only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(ec2.Peer.ipv4(props.vpcCidrBlock ?? props.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS from the cluster VPC');

    const endpoints: Partial<Record<ClusterEndpointService, ec2.InterfaceVpcEndpoint>> = {};
    for (const service of services) {
      endpoints[service] = new ec2.InterfaceVpcEndpoint(this, `${service.charAt(0).toUpperCase()}${service.slice(1)}`, {
        vpc: props.vpc,
        service: AWS_SERVICE[service],
        privateDnsEnabled: true,
        subnets: { subnets: [...this.subnets] },
        securityGroups: [this.securityGroup],
        // The shared group already carries the one rule (`open` would add it again per endpoint).
        open: false,
      });
    }
    this.endpoints = endpoints;
  }
}
