/**
 * The remediation handler end to end against moto: the real parser, core, state store (DynamoDB
 * transactions), actuators (EC2, Route 53, SNS) and engine, on a simulated clock.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeNetworkAclsCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { buildClusterWorld, buildDnsWorld, ClusterWorld, createStateTable } from '../../drill/world';
import type { RuntimeTopology } from '../../lib/config/topology';
import { Actuators } from '../../lambdas/actuators';
import { RemediationEngine } from '../../lambdas/engine';
import { DynamoDbStateStore } from '../../lambdas/state/dynamodb-store';
import type { StateStore } from '../../lambdas/state/store';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { handleRemediation, type WorldLoader } from '../../lambdas/handlers/remediation';
import { wireControlPlane } from '../../lambdas/wiring';
import { motoClients, REGION, topologyOf, uniqueId } from './actuators/helpers';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 24, 3, 0, 0);

interface Harness {
  engine: RemediationEngine;
  topology: RuntimeTopology;
  worlds: ClusterWorld[];
  clock: { now: number };
  logs: { level: string; message: string; extra: Record<string, unknown> }[];
  /** The table the engine writes, as the Lambda's per-cluster metrics read it. */
  world: WorldLoader;
  weights(): Promise<Record<string, number>>;
  ingress(world: ClusterWorld): Promise<unknown[]>;
  denyEntries(world: ClusterWorld): Promise<number>;
  /** The internet-cut denies (0.0.0.0/0, ::/0) on the cluster's two ACLs. */
  internetDenies(world: ClusterWorld): Promise<number>;
}

/** Wraps the engine's parts to simulate a crash: `crashOn` decides, per effect type, whether the process dies there. */
interface CrashPlan {
  crashOnEffect?: string;
}

async function harness(crash: CrashPlan = {}): Promise<Harness & { restart(): void }> {
  const clients = motoClients();
  const ids = ['a', 'b', 'c'].map((s) => uniqueId(`h${s}`));
  const worlds: ClusterWorld[] = [];
  for (const [i, id] of ids.entries()) worlds.push(await buildClusterWorld({ ec2: clients.ec2(REGION), ssm: clients.ssm(REGION) }, id, { vpcOctet: 40 + i }));
  const dns = await buildDnsWorld(clients.route53(), { clusters: ids.map((id, i) => ({ id, weight: 100, ipv4: [`203.0.113.${i + 1}`] })) });
  const base = topologyOf(worlds, dns);
  const topology: RuntimeTopology = { ...base, policy: { ...base.policy, minHealthyClusters: 2 } };
  const tableName = uniqueId('state');
  const dynamo = new DynamoDBClient({ region: REGION, ...clients.baseConfig() });
  await createStateTable(dynamo, tableName);
  const topic = await clients.sns(REGION).send(new CreateTopicCommand({ Name: uniqueId('oncall') }));
  const clock = { now: T0 };
  const logs: Harness['logs'] = [];
  const log = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => logs.push({ level, message, extra: Object.assign({}, ...extra) });
  const build = (plan: CrashPlan) => {
    const { engine: real } = wireControlPlane({
      topology,
      tableName,
      topicArn: topic.TopicArn!,
      homeRegion: REGION,
      clients,
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      now: () => clock.now,
    });
    if (!plan.crashOnEffect) return real;
    // The process "dies" when it reaches the effect: nothing after it runs, no job result is committed.
    return new RemediationEngine({
      topology,
      store: crashingStore(new DynamoDbStateStore({ client: clients.dynamoDb(REGION), tableName, now: () => clock.now })),
      executor: {
        execute: async (effect, ctx) => {
          if (effect.type === plan.crashOnEffect) throw new SimulatedCrash(`process died before ${effect.id}`);
          return actuators.execute(effect, ctx);
        },
      },
      alarms: { read: async () => [] },
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      now: () => clock.now,
    });
  };
  const actuators = new Actuators({ clients, topology, topicArn: topic.TopicArn!, homeRegion: REGION, now: () => clock.now });
  let engine = build(crash);
  return {
    get engine() {
      return engine;
    },
    restart() {
      engine = build({});
    },
    topology,
    worlds,
    clock,
    logs,
    world: { topology, load: (ids) => new DynamoDbStateStore({ client: clients.dynamoDb(REGION), tableName }).load(ids) },
    weights: async () => {
      const out = await clients.route53().send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId }));
      return Object.fromEntries((out.ResourceRecordSets ?? []).filter((r) => r.SetIdentifier).map((r) => [r.SetIdentifier!, r.Weight!]));
    },
    ingress: async (world) => {
      const out = await clients.ec2(REGION).send(new DescribeSecurityGroupsCommand({ GroupIds: [world.nlbSecurityGroupId] }));
      return out.SecurityGroups![0].IpPermissions ?? [];
    },
    denyEntries: async (world) => {
      const out = await clients.ec2(REGION).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [world.publicNetworkAclId, world.privateNetworkAclId] }));
      return out.NetworkAcls!.flatMap((acl) => acl.Entries ?? []).filter((e) => e.RuleAction === 'deny' && e.RuleNumber! < 32767).length;
    },
    internetDenies: async (world) => {
      const out = await clients.ec2(REGION).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [world.publicNetworkAclId, world.privateNetworkAclId] }));
      return out.NetworkAcls!.flatMap((acl) => acl.Entries ?? []).filter((e) => e.RuleAction === 'deny' && e.RuleNumber! < 1000 && (e.CidrBlock === '0.0.0.0/0' || e.Ipv6CidrBlock === '::/0')).length;
    },
  };
}

/** A CloudWatch "Alarm State Change" event exactly as EventBridge delivers it. */
function alarmEvent(id: string, clusterId: string, state: 'ALARM' | 'OK', at: number) {
  const name = `seedshield.${clusterId}.ddos.eip-1`;
  const ts = new Date(at).toISOString().replace('Z', '+0000');
  return {
    'version': '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': '123456789012',
    'time': new Date(at).toISOString(),
    'region': REGION,
    'resources': [`arn:aws:cloudwatch:${REGION}:123456789012:alarm:${name}`],
    'detail': {
      alarmName: name,
      state: { value: state, reason: 'Threshold Crossed', timestamp: ts },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: '', timestamp: ts },
      configuration: { metrics: [] },
    },
  };
}

/** Thrown where the simulated process dies. */
class SimulatedCrash extends Error {}

/** A store on a dying process: once a job's effects ran (or died), its result never reaches the table. */
function crashingStore(store: StateStore): StateStore {
  return {
    load: (ids) => store.load(ids),
    wasApplied: (id) => store.wasApplied(id),
    recordOutcome: (entry) => (entry.phase === 'FAILED' ? Promise.reject(new SimulatedCrash('dead')) : store.recordOutcome(entry)),
    journal: (id, limit) => store.journal(id, limit),
    commit: (c) => (c.eventId.includes(':result:') ? Promise.reject(new SimulatedCrash('process died before the job result was committed')) : store.commit(c)),
  };
}

const reconcileEvent = (id: string) => ({ id, 'source': 'seedshield.scheduler', 'detail-type': 'Reconcile' });

describe('remediation handler (against moto)', () => {
  test('when a delivery is handled, it records the outcome and the reconcile as metrics, and every cluster\'s values read from the table', async () => {
    // GIVEN: the deployed entry point with its own metrics sink and the table as its state reader
    const h = await harness();
    const [a] = h.worlds;
    const metrics = new Metrics({ namespace: 'SeedshieldTest', serviceName: 'handler-test' });
    const perCluster: { clusterId: string; name: string; value: number }[] = [];
    jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      let clusterId = '';
      const single = {
        addDimension: (_: string, value: string) => void (clusterId = value),
        addMetric: (name: string, _unit: unknown, value: number) => void perCluster.push({ clusterId, name, value }),
      };
      return single as unknown as Metrics;
    });

    // WHEN: an alarm isolates a, then a reconcile runs
    await handleRemediation(alarmEvent('m-1', a.clusterId, 'ALARM', T0), h.engine, { metrics, world: h.world });
    h.clock.now = T0 + MIN;
    await handleRemediation(reconcileEvent('reconcile:m'), h.engine, { metrics, world: h.world });

    // THEN: the outcome metrics of both deliveries, and the per-cluster values read back from the table
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    expect(emf).toMatchObject({ Decision_ISOLATION_STARTED: 1, ReconcileCompleted: 1 });
    expect(perCluster).toEqual(
      expect.arrayContaining([
        { clusterId: a.clusterId, name: 'ServingPercent', value: 0 },
        { clusterId: a.clusterId, name: 'Isolated', value: 1 },
        { clusterId: a.clusterId, name: 'DnsWeight', value: 0 },
        { clusterId: h.worlds[1].clusterId, name: 'DnsWeight', value: 150 },
      ]),
    );
  });

  test('when a DDoS alarm fires, it isolates the cluster for real, and after the quiet period restores it exactly through the ramp', async () => {
    // GIVEN
    const h = await harness();
    const [a, b, c] = h.worlds;
    const ingressBefore = await h.ingress(a);
    expect(ingressBefore.length).toBeGreaterThan(0);

    // WHEN: the alarm fires
    const isolate = await handleRemediation(alarmEvent('evt-1', a.clusterId, 'ALARM', T0), h.engine);

    // THEN: isolated in DNS, SG and NACLs; others raised to keep the total
    expect(isolate.decisions.map((d) => d.outcome)).toEqual(['ISOLATION_STARTED', 'ISOLATION_COMPLETED']);
    expect(await h.weights()).toEqual({ [a.clusterId]: 0, [b.clusterId]: 150, [c.clusterId]: 150 });
    expect(await h.ingress(a)).toEqual(ingressBefore); // the SG is not the lever: it would keep established flows
    expect(await h.internetDenies(a)).toBe(8);
    expect(await h.denyEntries(a)).toBeGreaterThan(8);

    // WHEN: the same event is delivered again
    const replay = await handleRemediation(alarmEvent('evt-1', a.clusterId, 'ALARM', T0), h.engine);
    // THEN: a no-op
    expect(replay.outcome).toBe('DUPLICATE');
    expect(replay.executed).toEqual([]);

    // WHEN: the alarm clears, and reconciles run through the quiet period and the ramp
    h.clock.now = T0 + 12 * MIN;
    await handleRemediation(alarmEvent('evt-2', a.clusterId, 'OK', T0 + 12 * MIN), h.engine);
    h.clock.now = T0 + 20 * MIN;
    const early = await handleRemediation(reconcileEvent('reconcile:1'), h.engine);
    expect(early.executed.filter((e) => e.effect.type !== 'NOTIFY')).toEqual([]); // quiet period not over
    h.clock.now = T0 + 43 * MIN;
    const restore = await handleRemediation(reconcileEvent('reconcile:2'), h.engine);

    // THEN: cuts undone exactly, first ramp stage (25 %) in DNS
    expect(restore.decisions.map((d) => d.outcome)).toContain('RESTORE_STARTED');
    expect(await h.ingress(a)).toEqual(ingressBefore);
    expect(await h.denyEntries(a)).toBe(0);
    expect((await h.weights())[a.clusterId]).toBe(25);

    // WHEN: the ramp steps pass
    for (let i = 3; i <= 6; i++) {
      h.clock.now += 11 * MIN;
      await handleRemediation(reconcileEvent(`reconcile:${i}`), h.engine);
    }
    // THEN: back to the configured weights
    expect(await h.weights()).toEqual({ [a.clusterId]: 100, [b.clusterId]: 100, [c.clusterId]: 100 });
    expect(h.logs.filter((l) => l.message === 'decision').length).toBeGreaterThan(5);
  });

  test('when every cluster is attacked at once, it isolates only down to minHealthyClusters and reports the refusal', async () => {
    // GIVEN
    const h = await harness();
    // WHEN
    const reports = [];
    for (const [i, w] of h.worlds.entries()) reports.push(await handleRemediation(alarmEvent(`all-${i}`, w.clusterId, 'ALARM', T0 + i * 1000), h.engine));
    // THEN
    expect(reports.map((r) => r.outcome)).toEqual(['ISOLATION_STARTED', 'ISOLATION_REFUSED', 'ISOLATION_REFUSED']);
    expect(reports[1].reason).toContain('below minHealthyClusters 2');
    const weights = await h.weights();
    expect(Object.values(weights).filter((w) => w > 0)).toHaveLength(2);
  });

  test('when an event is malformed, for an unknown cluster, or from a foreign source, it is rejected by name and changes nothing', async () => {
    // GIVEN
    const h = await harness();
    const before = await h.weights();
    const bad = [
      { nope: true },
      alarmEvent('x1', 'not-a-cluster', 'ALARM', T0),
      { ...alarmEvent('x2', h.worlds[0].clusterId, 'ALARM', T0), detail: { alarmName: 'someone-elses-alarm', state: { value: 'ALARM', timestamp: '2026-11-24T03:00:00.000+0000' } } },
      { id: 'x3', 'source': 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', 'detail': {} },
      { ...alarmEvent('x4', h.worlds[0].clusterId, 'ALARM', T0), detail: { ...alarmEvent('x4', h.worlds[0].clusterId, 'ALARM', T0).detail, state: { value: 'ALARM', timestamp: 'yesterday' } } },
    ];
    // WHEN
    const reports = [];
    for (const event of bad) reports.push(await handleRemediation(event, h.engine));
    // THEN
    expect(reports.map((r) => r.rejection?.code)).toEqual(['MALFORMED', 'UNKNOWN_CLUSTER', 'UNKNOWN_ALARM', 'UNSUPPORTED_SOURCE', 'BAD_TIMESTAMP']);
    expect(reports.every((r) => r.executed.length === 0)).toBe(true);
    expect(await h.weights()).toEqual(before);
    expect(h.logs.filter((l) => l.message === 'event rejected')).toHaveLength(5);
  });

  test('when an older alarm state arrives after a newer one, it does not override it', async () => {
    // GIVEN: ALARM at T0+5m processed first
    const h = await harness();
    const a = h.worlds[0];
    await handleRemediation(alarmEvent('new', a.clusterId, 'ALARM', T0 + 5 * MIN), h.engine);
    // WHEN: the OK from T0 (sent earlier, delivered late) arrives
    const late = await handleRemediation(alarmEvent('old', a.clusterId, 'OK', T0), h.engine);
    // THEN
    expect(late.outcome).toBe('STALE');
    expect((await h.weights())[a.clusterId]).toBe(0);
  });

  test('when the process dies between two actions of an isolation, the reconcile finishes the job and restore still undoes every cut', async () => {
    // GIVEN: the first cut (internet) happens, then the container dies before cutting the BP path
    const h = await harness({ crashOnEffect: 'CUT_BP_PATH' });
    const a = h.worlds[0];
    const ingressBefore = await h.ingress(a);
    await expect(handleRemediation(alarmEvent('crash-1', a.clusterId, 'ALARM', T0), h.engine)).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await h.internetDenies(a)).toBe(8);
    expect(await h.denyEntries(a)).toBe(8);

    // WHEN: a new container runs the reconcile after the job-retry delay
    h.restart();
    h.clock.now = T0 + 11 * MIN;
    const recovery = await handleRemediation(reconcileEvent('reconcile:r1'), h.engine);

    // THEN: the job is finished and nothing it did was forgotten
    expect(recovery.decisions.map((d) => d.outcome)).toEqual(expect.arrayContaining(['ISOLATION_COMPLETED']));
    expect(await h.denyEntries(a)).toBeGreaterThan(0);

    // WHEN: the alarm clears and the quiet period passes
    h.clock.now = T0 + 15 * MIN;
    await handleRemediation(alarmEvent('crash-2', a.clusterId, 'OK', T0 + 15 * MIN), h.engine);
    h.clock.now = T0 + 50 * MIN;
    await handleRemediation(reconcileEvent('reconcile:r2'), h.engine);

    // THEN: every entry made before and after the crash is gone, the SG as it was
    expect(await h.ingress(a)).toEqual(ingressBefore);
    expect(await h.denyEntries(a)).toBe(0);
  });
});
