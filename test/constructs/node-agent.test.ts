/**
 * The seed node's chain-health agent, run as the real Python process against a fake nodeos HTTP endpoint and
 * moto's CloudWatch: what it publishes when nodeos is healthy, lagging, down, slow or answering garbage.
 */
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { createHash, createHmac } from 'crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Template } from 'aws-cdk-lib/assertions';
import {
  NODE_AGENT_NAMESPACE,
  NODE_AGENT_PATH,
  NODE_AGENT_SOURCE_FILE,
  renderNodeAgentInstall,
} from '../../lib/constructs/node-agent';
import { buildApp } from '../support/example';

const REGION = 'eu-north-1';
const MOTO = process.env.MOTO_ENDPOINT!;

type NodeosBehaviour = { kind: 'ok'; lagSeconds: number; head: number; lib: number } | { kind: 'garbage' } | { kind: 'slow' };

/** A fake nodeos: answers `/v1/chain/get_info` the way the test says. */
async function fakeNodeos(behaviour: NodeosBehaviour): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/v1/chain/get_info') {
      res.writeHead(404).end();
      return;
    }
    if (behaviour.kind === 'slow') {
      setTimeout(() => res.writeHead(200).end('{}'), 3000).unref();
      return;
    }
    if (behaviour.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return;
    }
    // nodeos prints UTC without a zone suffix.
    const headTime = new Date(Date.now() - behaviour.lagSeconds * 1000).toISOString().replace('Z', '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      server_version: 'deadbeef',
      chain_id: 'aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906',
      head_block_num: behaviour.head,
      last_irreversible_block_num: behaviour.lib,
      head_block_time: headTime,
    }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A /proc/net look-alike: `established` p2p connections (half inbound, half outbound), plus noise. */
function procNet(established: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seedshield-procnet-'));
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const rows = [
    '   0: 00000000:2694 00000000:0000 0A 00000000:00000000 00:00000000 00000000   0        0 1', // the listener
    '   1: 0A00010A:0016 0A00020A:D431 01 00000000:00000000 00:00000000 00000000   0        0 2', // ssh, not p2p
    '   2: 0A00010A:2694 0A00020A:D432 06 00000000:00000000 00:00000000 00000000   0        0 3', // TIME_WAIT
  ];
  for (let i = 0; i < established; i++) {
    const ephemeral = (0xc000 + i).toString(16).toUpperCase();
    rows.push(i % 2 === 0
      ? `  ${i + 3}: 0A00010A:2694 5DB8D822:${ephemeral} 01 00000000:00000000 00:00000000 00000000   0        0 ${i + 9}`
      : `  ${i + 3}: 0A00010A:${ephemeral} 0A0A0001:2694 01 00000000:00000000 00:00000000 00000000   0        0 ${i + 9}`);
  }
  fs.writeFileSync(path.join(dir, 'tcp'), [header, ...rows].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'tcp6'), header + '\n');
  return dir;
}

interface AgentRun { code: number | null; stderr: string }

function runAgent(env: Record<string, string>): Promise<AgentRun> {
  return new Promise((resolve) => {
    execFile('python3', [NODE_AGENT_SOURCE_FILE, '--once'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: MOTO,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        SEEDSHIELD_NODEOS_TIMEOUT_SECONDS: '0.5',
        ...env,
      },
      timeout: 20_000,
    }, (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }));
  });
}

const cloudwatch = new CloudWatchClient({ endpoint: MOTO, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** The maximum of one metric as moto holds it, per dimension set, or undefined when nothing was published. */
async function published(clusterId: string, metricName: string, instanceId?: string): Promise<number | undefined> {
  const dimensions = [{ Name: 'ClusterId', Value: clusterId }, ...(instanceId ? [{ Name: 'InstanceId', Value: instanceId }] : [])];
  const answer = await cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: NODE_AGENT_NAMESPACE,
    MetricName: metricName,
    Dimensions: dimensions,
    StartTime: new Date(Date.now() - 3_600_000),
    EndTime: new Date(Date.now() + 3_600_000),
    Period: 60,
    Statistics: ['Maximum'],
  }));
  const points = answer.Datapoints ?? [];
  return points.length === 0 ? undefined : Math.max(...points.map((p) => p.Maximum ?? Number.NaN));
}

let clusterCounter = 0;
/** A cluster id no other test publishes to (moto is shared by the whole run). */
function freshCluster(): string {
  clusterCounter += 1;
  return `agent-${process.pid}-${clusterCounter}`;
}

describe('node agent against a fake nodeos and moto CloudWatch', () => {
  test('when nodeos is healthy, it publishes head lag, irreversible lag and peers per cluster and per instance', async () => {
    // GIVEN a node 4 s behind, 330 blocks between head and LIB, 5 established p2p connections
    const nodeos = await fakeNodeos({ kind: 'ok', lagSeconds: 4, head: 400_000_330, lib: 400_000_000 });
    const cluster = freshCluster();
    try {
      // WHEN
      const run = await runAgent({
        SEEDSHIELD_CLUSTER_ID: cluster, SEEDSHIELD_NODEOS_URL: nodeos.url, SEEDSHIELD_PROC_NET: procNet(5), SEEDSHIELD_INSTANCE_ID: 'i-0abc',
      });
      // THEN
      expect(run).toEqual({ code: 0, stderr: '' });
      const lag = await published(cluster, 'HeadBlockLagSeconds');
      // (a few ms under 4 is possible: the agent reads its clock before the fake nodeos reads its own)
      expect(lag).toBeGreaterThan(3.5);
      expect(lag).toBeLessThan(10);
      expect(await published(cluster, 'IrreversibleLagBlocks')).toBe(330);
      expect(await published(cluster, 'PeerCount')).toBe(5);
      expect(await published(cluster, 'PeerCount', 'i-0abc')).toBe(5);
      expect(await published(cluster, 'HeadBlockLagSeconds', 'i-0abc')).toBe(lag);
    } finally {
      await nodeos.close();
    }
  });

  test('when the head is minutes behind, it publishes the real lag (the alarm, not the agent, judges it)', async () => {
    // GIVEN a node stuck 5 minutes behind the chain
    const nodeos = await fakeNodeos({ kind: 'ok', lagSeconds: 300, head: 10, lib: 10 });
    const cluster = freshCluster();
    try {
      // WHEN
      const run = await runAgent({ SEEDSHIELD_CLUSTER_ID: cluster, SEEDSHIELD_NODEOS_URL: nodeos.url, SEEDSHIELD_PROC_NET: procNet(0) });
      // THEN
      expect(run.code).toBe(0);
      expect(await published(cluster, 'HeadBlockLagSeconds')).toBeGreaterThan(299.5);
      expect(await published(cluster, 'PeerCount')).toBe(0);
    } finally {
      await nodeos.close();
    }
  });

  test.each([
    ['answers garbage', { kind: 'garbage' } as NodeosBehaviour, /not JSON/],
    ['is slower than the timeout', { kind: 'slow' } as NodeosBehaviour, /get_info failed/],
  ])('when nodeos %s, it withholds the chain metrics, says why, and still publishes peers', async (_name, behaviour, reason) => {
    // GIVEN
    const nodeos = await fakeNodeos(behaviour);
    const cluster = freshCluster();
    try {
      // WHEN
      const run = await runAgent({ SEEDSHIELD_CLUSTER_ID: cluster, SEEDSHIELD_NODEOS_URL: nodeos.url, SEEDSHIELD_PROC_NET: procNet(3) });
      // THEN unknown is not reported as healthy: no lag datapoint at all
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(reason);
      expect(await published(cluster, 'HeadBlockLagSeconds')).toBeUndefined();
      expect(await published(cluster, 'IrreversibleLagBlocks')).toBeUndefined();
      expect(await published(cluster, 'PeerCount')).toBe(3);
    } finally {
      await nodeos.close();
    }
  });

  test('when nodeos is down, it withholds the chain metrics and still publishes peers', async () => {
    // GIVEN a port nothing listens on
    const nodeos = await fakeNodeos({ kind: 'garbage' });
    const url = nodeos.url;
    await nodeos.close();
    const cluster = freshCluster();
    // WHEN
    const run = await runAgent({ SEEDSHIELD_CLUSTER_ID: cluster, SEEDSHIELD_NODEOS_URL: url, SEEDSHIELD_PROC_NET: procNet(2) });
    // THEN
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/get_info failed/);
    expect(await published(cluster, 'HeadBlockLagSeconds')).toBeUndefined();
    expect(await published(cluster, 'PeerCount')).toBe(2);
  });

  test('when CloudWatch cannot be reached, it exits 1 naming PutMetricData (the service loop would retry)', async () => {
    // GIVEN
    const nodeos = await fakeNodeos({ kind: 'ok', lagSeconds: 1, head: 2, lib: 1 });
    try {
      // WHEN
      const run = await runAgent({
        SEEDSHIELD_CLUSTER_ID: freshCluster(), SEEDSHIELD_NODEOS_URL: nodeos.url, SEEDSHIELD_PROC_NET: procNet(1),
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      });
      // THEN
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/PutMetricData failed/);
    } finally {
      await nodeos.close();
    }
  });

  test('when a setting is missing, it stops at start naming the variable and publishes nothing', async () => {
    // GIVEN / WHEN
    const run = await runAgent({ SEEDSHIELD_NODEOS_URL: 'http://127.0.0.1:9' });
    // THEN
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/SEEDSHIELD_CLUSTER_ID is not set/);
    const metrics = await cloudwatch.send(new ListMetricsCommand({ Namespace: NODE_AGENT_NAMESPACE, MetricName: 'PeerCount' }));
    expect((metrics.Metrics ?? []).every((m) => m.Dimensions?.some((d) => d.Value?.startsWith('agent-')))).toBe(true);
  });
});

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** SHA-256 (and HMAC-SHA-256 when keyed) in the shape the SDK signer takes, from node's own crypto. */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

describe('node agent request signing', () => {
  test('when it signs a request, its SigV4 signature equals the AWS SDK signer\'s (with and without a session token)', async () => {
    for (const sessionToken of [undefined, 'FwoGZXIvYXdzEXAMPLETOKEN']) {
      // GIVEN one request and one moment
      const body = 'Action=PutMetricData&Version=2010-08-01&Namespace=Seedshield%2FChain';
      const amzDate = '20261202T043000Z';
      const signer = new SignatureV4({
        service: 'monitoring', region: REGION, sha256: Sha256, applyChecksum: false,
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken },
      });
      const request = {
        method: 'POST', protocol: 'https:', hostname: `monitoring.${REGION}.amazonaws.com`, path: '/', body, query: {},
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: `monitoring.${REGION}.amazonaws.com` },
      };
      const expected = await signer.sign(request, { signingDate: new Date('2026-12-02T04:30:00Z') });
      // WHEN the agent signs the same request
      const python = [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(path.dirname(NODE_AGENT_SOURCE_FILE))})`,
        'import seedshield_node_agent as agent',
        `creds = ('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ${sessionToken ? JSON.stringify(sessionToken) : 'None'})`,
        `h = agent.sign_request('POST', 'https://monitoring.${REGION}.amazonaws.com/', '${REGION}', 'monitoring', ${JSON.stringify(body)}.encode(), creds, '${amzDate}', 'application/x-www-form-urlencoded; charset=utf-8')`,
        'print(json.dumps(h))',
      ].join('\n');
      const result = spawnSync('python3', ['-c', python], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      const ours = JSON.parse(result.stdout) as Record<string, string>;
      // THEN the signatures agree over the same signed headers (x-amz-content-sha256 is S3's, not CloudWatch's)
      const signature = (auth: string) => /Signature=([0-9a-f]{64})/.exec(auth)?.[1];
      expect(signature(ours.authorization)).toBeDefined();
      expect(signature(ours.authorization)).toBe(signature(expected.headers.authorization));
      expect(/SignedHeaders=(\S+),/.exec(ours.authorization)?.[1]).toBe(/SignedHeaders=(\S+),/.exec(expected.headers.authorization)?.[1]);
      expect(ours['x-amz-security-token']).toBe(sessionToken);
    }
  });
});

describe('node agent on the seed nodes (template)', () => {
  test('when the user data is rendered, it carries the agent byte for byte and starts it as a service', () => {
    // GIVEN / WHEN
    const lines = renderNodeAgentInstall({ clusterId: 'eu-north', httpApiPort: 8888, p2pPort: 9876 });
    const script = lines.join('\n');
    // THEN
    const packed = /<<'SEEDSHIELD_AGENT' \| gunzip > \S+\n([\s\S]*?)\nSEEDSHIELD_AGENT/.exec(script)?.[1];
    expect(packed).toBeDefined();
    expect(zlib.gunzipSync(Buffer.from(packed!.replace(/\n/g, ''), 'base64'))).toEqual(fs.readFileSync(NODE_AGENT_SOURCE_FILE));
    expect(script).toContain(`ExecStart=/usr/bin/python3 ${NODE_AGENT_PATH}`);
    expect(script).toContain('SEEDSHIELD_NODEOS_URL=http://${PRIVATE_IP}:8888');
    expect(script).toContain('DynamicUser=yes');
    expect(script).toContain('systemctl enable --now seedshield-node-agent.service');
  });

  test('when the example is synthesized, every seed node may publish the agent\'s namespace only, and its user data fits in 16 KB', () => {
    // GIVEN / WHEN
    const { stacks } = buildApp();
    for (const stack of stacks.clusters) {
      const template = Template.fromStack(stack);
      // THEN PutMetricData is granted, and only under the namespace condition
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((p) => (p as any).Properties.PolicyDocument.Statement as any[])
        .filter((s) => [s.Action].flat().includes('cloudwatch:PutMetricData'));
      expect(statements).toHaveLength(1);
      expect(statements[0].Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': NODE_AGENT_NAMESPACE } });
      // EC2 refuses user data over 16 KB (before base64): the seed node group gzips it (cloud-init decompresses).
      const seedNodeUserData = (Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as any[])
        .map((lt) => lt.Properties.LaunchTemplateData.UserData)
        .filter((u) => typeof u === 'string')
        .map((u: string) => ({ raw: Buffer.from(u, 'base64'), script: zlib.gunzipSync(Buffer.from(u, 'base64')).toString('utf8') }))
        .filter((u) => u.script.includes('seedshield_node_agent'));
      expect(seedNodeUserData).toHaveLength(1);
      expect(seedNodeUserData[0].raw.length).toBeLessThan(16 * 1024);
    }
  });
});
