/**
 * Checks of a scenario against what the file alone cannot tell: the configuration it runs against and the AWS
 * APIs the engine can call. They run while the file is parsed (every problem of a file is reported at once,
 * exit 2, before moto starts), because a scenario that names something that cannot happen either fails half-way
 * for a reason that is not the one it tests, or, worse, passes for the wrong one (a `noEffect` on a cluster that
 * is never cut, a fault on an API nobody calls).
 *
 * Kept apart from drill/scenario.ts (the file format) so the format's parser can change without these.
 */
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';
import * as dynamoDb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as ssm from '@aws-sdk/client-ssm';
import * as sns from '@aws-sdk/client-sns';
import type { SeedshieldConfig } from '../lib/config/schema';
import type { DecisionOutcome } from '../lambdas/core/types';
import type { RejectionCode } from '../lambdas/events/parse';
import { ROUTE53_RECOGNISED_APIS } from './faults';
import { parseScenario, type Scenario, type ScenarioStep, type StepCheck } from './scenario';
import { clusterAlarmNames } from './setup';

/** Every decision outcome an `expect.outcome` can name (the compiler keeps it complete). */
export const DECISION_OUTCOMES = [
  'NO_CHANGE',
  'DUPLICATE',
  'STALE',
  'ISOLATION_STARTED',
  'ISOLATION_REFUSED',
  'ISOLATION_COMPLETED',
  'RESTORE_STARTED',
  'RAMP_ADVANCED',
  'RESTORE_COMPLETED',
  'RAMP_ABORTED',
  'JOB_FAILED',
  'JOB_RETRIED',
  'OPERATOR_APPLIED',
  'OPERATOR_REFUSED',
  'SIGNAL_RECORDED',
  'DNS_REPAIRED',
  'ISOLATION_DIVERGED',
  'AUTOMATION_PAUSED',
  'AUTOMATION_RESUMED',
  'BP_PATH_CUT',
  'PIN_EXPIRED',
  'DATA_MISSING',
  'REACHABILITY_VERIFIED',
  'REACHABILITY_UNVERIFIED',
  'REACHABILITY_UNKNOWN',
] as const satisfies readonly DecisionOutcome[];
const OUTCOMES_COMPLETE: [Exclude<DecisionOutcome, (typeof DECISION_OUTCOMES)[number]>] extends [never] ? true : never = true;

/** Every code the engine rejects a delivery with (the compiler keeps it complete). */
export const REJECTION_CODES = [
  'IGNORED_FINDING',
  'MALFORMED',
  'UNSUPPORTED_SOURCE',
  'UNKNOWN_ALARM',
  'UNKNOWN_CLUSTER',
  'NOT_A_CLUSTER_RESOURCE',
  'BAD_TIMESTAMP',
] as const satisfies readonly RejectionCode[];
const CODES_COMPLETE: [Exclude<RejectionCode, (typeof REJECTION_CODES)[number]>] extends [never] ? true : never = true;
void OUTCOMES_COMPLETE;
void CODES_COMPLETE;

/** Commands of an SDK client package, as API names: `CreateNetworkAclEntryCommand` -> `CreateNetworkAclEntry`. */
function commandNames(sdk: Record<string, unknown>): string[] {
  return Object.keys(sdk).flatMap((k) => (k.endsWith('Command') && k !== 'Command' && typeof sdk[k] === 'function' ? [k.slice(0, -'Command'.length)] : []));
}

/**
 * The APIs a fault can name: every operation of the clients the engine builds (lambdas/actuators/clients.ts,
 * plus Auto Scaling for the node groups), read from the installed SDK, so a new SDK operation is known at once.
 * Route 53 is a REST API: only the operations the fault injector recognises from the path can fail.
 */
export const FAULTABLE_APIS: ReadonlyMap<string, string> = new Map([
  ...commandNames(ec2).map((n) => [n, 'EC2'] as const),
  ...commandNames(cloudWatch).map((n) => [n, 'CloudWatch'] as const),
  ...commandNames(dynamoDb).map((n) => [n, 'DynamoDB'] as const),
  ...commandNames(ssm).map((n) => [n, 'SSM'] as const),
  ...commandNames(sns).map((n) => [n, 'SNS'] as const),
  ...commandNames(autoScaling).map((n) => [n, 'Auto Scaling'] as const),
  ...ROUTE53_RECOGNISED_APIS.map((n) => [n, 'Route 53'] as const),
]);

/** Edit distance (insert, delete, substitute), case-insensitive: the basis of "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[y.length];
}

/** The closest name, when it is close enough to be a typo. */
function closest(name: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 4)) + 1;
  for (const candidate of names) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function didYouMean(name: string, names: Iterable<string>): string {
  const guess = closest(name, names);
  return guess ? `; did you mean "${guess}"?` : '';
}

/**
 * The checks of a scenario's steps against `config`: what each step names must exist in the deployment the
 * drill builds from it, and every fault must name an API the engine's clients have.
 */
export function scenarioChecks(config: SeedshieldConfig): StepCheck {
  const cloud = config.clusters.map((c) => c.id);
  const notCloud = new Map<string, string>([
    [config.physicalSeedCluster.id, 'the physical seed cluster'],
    ...config.externalClusters.map((c) => [c.id, 'an external cluster'] as const),
  ]);
  const nonCloud = (id: string) => `${id} is ${notCloud.get(id)}: it is only a DNS record here, with no alarms, GuardDuty findings or network to cut`;
  return (step: ScenarioStep) => {
    const problems: [string, string][] = [];
    const problem = (field: string, message: string) => problems.push([field, message]);
    if (step.rejected !== undefined && !(REJECTION_CODES as readonly string[]).includes(step.rejected)) {
      problem('rejected', `"${step.rejected}" is not a rejection code of the engine (${REJECTION_CODES.join(', ')})${didYouMean(step.rejected, REJECTION_CODES)}`);
    }
    switch (step.kind) {
      case 'trigger': {
        const t = step.trigger;
        if (notCloud.has(t.cluster)) {
          problem('trigger.cluster', `${nonCloud(t.cluster)}; trigger a cloud cluster (${cloud.join(', ')}), or deliver its record's change as an "event" step`);
        } else if (t.kind !== 'compromise' && (clusterAlarmNames(config, t.cluster)[t.kind] ?? []).length === 0) {
          const why = t.kind === 'ddos' && !config.protection.shieldAdvanced ? ': DDoSDetected alarms exist only with protection.shieldAdvanced: true in the config' : '';
          problem('trigger.kind', `cluster ${t.cluster} has no ${t.kind} alarm in this configuration${why}; use another kind or a config that has it`);
        }
        break;
      }
      case 'fault': {
        const api = step.fault.api;
        if (!FAULTABLE_APIS.has(api)) {
          const route53 = /ResourceRecordSet|HostedZone|HealthCheck|Route53/i.test(api);
          problem(
            'fault.api',
            route53
              ? `"${api}" cannot be failed: of Route 53 the drill fails only ${ROUTE53_RECOGNISED_APIS.join(', ')}${didYouMean(api, ROUTE53_RECOGNISED_APIS)}`
              : `"${api}" is not an API of the clients the engine calls (EC2, Route 53, CloudWatch, DynamoDB, SSM, SNS, Auto Scaling); name it as the SDK spells it without "Command"${didYouMean(api, FAULTABLE_APIS.keys())}`,
          );
        }
        break;
      }
      case 'expect': {
        const e = step.expect;
        if (e.type === 'outcome' && !(DECISION_OUTCOMES as readonly string[]).includes(e.outcome)) {
          problem('expect.outcome', `"${e.outcome}" is not a decision outcome (${DECISION_OUTCOMES.join(', ')})${didYouMean(e.outcome, DECISION_OUTCOMES)}`);
        }
        if (e.type === 'cluster' && e.isolationRecorded && notCloud.has(e.cluster)) {
          problem('expect.isolationRecorded', `${nonCloud(e.cluster)}, so its isolation records no cuts; check "state" and "weight" instead`);
        }
        if ((e.type === 'effect' || e.type === 'noEffect') && e.cluster !== undefined && notCloud.has(e.cluster) && ['CUT_INTERNET', 'CUT_BP_PATH', 'UNDO_ISOLATION', 'VERIFY_REACHABILITY', 'SUSPEND_SCALING', 'PRESERVE_EVIDENCE'].includes(e.effect)) {
          const holds = e.type === 'noEffect' ? 'always holds, so it proves nothing' : 'can never hold';
          problem('expect.cluster', `${nonCloud(e.cluster)}: a ${e.effect} on it never happens and the expectation ${holds}; expect SET_DNS_WEIGHTS or NOTIFY instead`);
        }
        break;
      }
      default:
        break;
    }
    return problems;
  };
}

/** Every cluster id of a config (cloud, physical, external). */
export function configClusterIds(config: SeedshieldConfig): string[] {
  return [...config.clusters.map((c) => c.id), config.physicalSeedCluster.id, ...config.externalClusters.map((c) => c.id)];
}

/**
 * Parses a scenario for the deployment `config` describes: the file format and every cross-reference.
 * @throws ScenarioError listing every problem, each with its step index, field and what to do instead
 */
export function parseScenarioFor(raw: unknown, source: string, config: SeedshieldConfig): Scenario {
  return parseScenario(raw, source, configClusterIds(config), scenarioChecks(config));
}
