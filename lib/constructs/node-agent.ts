/**
 * The seed node's chain-health agent: what it publishes, how the boot script installs it, and the one IAM
 * permission it needs.
 *
 * The agent itself is `node-agent/seedshield_node_agent.py` (Python standard library only: Ubuntu's cloud
 * images ship python3 for cloud-init, so nothing is installed for it). It runs as a systemd service with a
 * dynamic user, opens no port, and every 10 s publishes the node's head-block lag, irreversible lag and p2p
 * peer count as high-resolution CloudWatch metrics. See README, "Chain-aware health".
 *
 * It calls `monitoring.<region>.amazonaws.com`, which the cluster's `monitoring` interface endpoint (private
 * DNS, lib/constructs/cluster-endpoints.ts) answers inside the VPC: the metrics keep flowing while an
 * isolation has the cluster cut from the internet, which the restore decision relies on. The drill's
 * reachability invariant holds that flow (`agent-metrics`) on every step.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** CloudWatch namespace of the agent's metrics (the IAM grant is limited to it). */
export const NODE_AGENT_NAMESPACE = 'Seedshield/Chain';

/** The agent's metric names, as published (a contract with the alarms and the dashboard). */
export const NODE_AGENT_METRICS = {
  /** Wall clock minus nodeos's head block time, in seconds. */
  headBlockLag: 'HeadBlockLagSeconds',
  /** Head block number minus last irreversible block number. */
  irreversibleLag: 'IrreversibleLagBlocks',
  /** Established TCP connections on the p2p port, inbound and outbound. */
  peerCount: 'PeerCount',
} as const;

/** How often the agent samples and publishes, in seconds (high-resolution metrics allow 1 to 60). */
export const NODE_AGENT_INTERVAL_SECONDS = 10;

/** Where the boot script installs the agent on the node. */
export const NODE_AGENT_PATH = '/usr/local/lib/seedshield/seedshield_node_agent.py';

/** The agent's source, as shipped in the repository. */
export const NODE_AGENT_SOURCE_FILE = path.join(__dirname, 'node-agent', 'seedshield_node_agent.py');

/** Inputs of {@link renderNodeAgentInstall}. */
export interface NodeAgentInstallOptions {
  /** The cluster id: the `ClusterId` dimension of every metric. */
  readonly clusterId: string;
  /** The port nodeos's HTTP API listens on, on the node's private address. */
  readonly httpApiPort: number;
  /** The p2p port whose established connections count as peers. */
  readonly p2pPort: number;
}

/**
 * Shell lines that install and start the agent, for the end of the seed node's boot script.
 *
 * The source travels gzip-compressed and base64-encoded: EC2 user data is limited to 16 KB, and the agent
 * would otherwise take half of it. `gzipSync` writes no timestamp, so synth stays byte-identical. The lines
 * expect `PRIVATE_IP` and `AWS_DEFAULT_REGION` from the boot script, and run under its `set -euo pipefail`.
 */
export function renderNodeAgentInstall(options: NodeAgentInstallOptions): string[] {
  const packed = zlib.gzipSync(fs.readFileSync(NODE_AGENT_SOURCE_FILE), { level: 9 }).toString('base64');
  return [
    '# seedshield node agent: chain health as CloudWatch metrics (source: lib/constructs/node-agent/).',
    `install -d -m 0755 ${path.posix.dirname(NODE_AGENT_PATH)} /etc/seedshield`,
    `base64 -d <<'SEEDSHIELD_AGENT' | gunzip > ${NODE_AGENT_PATH}`,
    ...packed.match(/.{1,76}/g)!,
    'SEEDSHIELD_AGENT',
    `chmod 0755 ${NODE_AGENT_PATH}`,
    'cat > /etc/seedshield/node-agent.env <<EOF',
    `SEEDSHIELD_CLUSTER_ID=${options.clusterId}`,
    `SEEDSHIELD_NODEOS_URL=http://\${PRIVATE_IP}:${options.httpApiPort}`,
    `SEEDSHIELD_P2P_PORT=${options.p2pPort}`,
    `SEEDSHIELD_INTERVAL_SECONDS=${NODE_AGENT_INTERVAL_SECONDS}`,
    `SEEDSHIELD_NAMESPACE=${NODE_AGENT_NAMESPACE}`,
    'AWS_REGION=${AWS_DEFAULT_REGION}',
    'EOF',
    'cat > /etc/systemd/system/seedshield-node-agent.service <<EOF',
    '[Unit]',
    'Description=seedshield node agent (chain health metrics)',
    'After=network-online.target nodeos.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'EnvironmentFile=/etc/seedshield/node-agent.env',
    `ExecStart=/usr/bin/python3 ${NODE_AGENT_PATH}`,
    'Restart=always',
    'RestartSec=5',
    // No privileges: it reads IMDS, nodeos's HTTP API and /proc/net/tcp, and writes nothing but its log.
    'DynamicUser=yes',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'CapabilityBoundingSet=',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'EOF',
    'systemctl daemon-reload',
    'systemctl enable --now seedshield-node-agent.service',
  ];
}

/**
 * Lets `role` publish the agent's metrics and nothing else: `cloudwatch:PutMetricData` supports no resource
 * ARN, so the `cloudwatch:namespace` condition key is what limits it.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
 */
export function grantNodeAgentMetrics(role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': NODE_AGENT_NAMESPACE } },
  }));
  Validations.of(role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: `cloudwatch:PutMetricData has no resource type; the cloudwatch:namespace condition limits the node to ${NODE_AGENT_NAMESPACE}.`,
  });
}
