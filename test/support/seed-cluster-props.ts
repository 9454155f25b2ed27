/** Props of a small two-AZ SeedCluster on EOS mainnet's chain id, shared by the construct tests that build one directly. */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { SeedClusterProps } from '../../lib/constructs/seed-cluster';

/** SeedCluster props for a test stack; `overrides` replace whole fields. */
export function seedClusterProps(stack: Stack, overrides: Partial<SeedClusterProps> = {}): SeedClusterProps {
  return {
    clusterId: 'test',
    vpcCidr: '10.50.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    seedNodeCount: 2,
    seedNodeInstanceType: new ec2.InstanceType('m7i.large'),
    nodeosVersion: '1.2.2',
    nodeosChain: {
      chainId: 'aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906',
      source: { kind: 'snapshot', uri: 'https://snapshots.example.org/eos/snapshot.bin.zst', sha256: 'ab'.repeat(32) },
      chainStateDbSizeMb: 131072,
      blockLogRetainBlocks: 172800,
      bootGraceMinutes: 120,
    },
    blockProducerPeersParameters: [ssm.StringParameter.fromStringParameterName(stack, 'Peers', '/bp/peers')],
    peerKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'bp/key'),
    shieldAdvanced: false,
    ...overrides,
  };
}
