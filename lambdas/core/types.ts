/**
 * Types of the pure decision core: the world state it reads, the events it reacts to, the effects it plans.
 *
 * Effects are plain data; actuators carry them out. Nothing here imports the AWS SDK or aws-cdk-lib.
 */
import type { FindingFacts } from './finding-policy';
import type { RuntimeTopology } from './topology-schema';

export type { RuntimeTopology };

/** Lifecycle of one cluster. */
export enum ClusterStatus {
  /** In DNS at its (possibly scaled) weight; internet and BP path open. */
  IN_SERVICE = 'IN_SERVICE',
  /** An isolation job is recorded and being carried out. */
  ISOLATING = 'ISOLATING',
  /** Out of DNS (weight 0); internet and BP path cut as recorded. */
  ISOLATED = 'ISOLATED',
  /** Cuts undone; DNS weight ramping back up in stages. */
  RESTORING = 'RESTORING',
  /**
   * BP path cut, still serving peers: a compromised cluster whose block-producer path is cut (or being cut, by
   * a BP-only ISOLATE job) while its DNS weight and internet cut are held back by the floor, a pause or the
   * all-zero rule. Invariants: in DNS (`servingPercent` > 0), a compromise is active, no ramp runs, automation
   * never restores it, and every decision that changes serving capacity re-checks its full isolation.
   */
  BP_PATH_CUT = 'BP_PATH_CUT',
}

/** Operator pin on a cluster; automation always honours it. */
export enum OperatorPin {
  /** Automation must never isolate this cluster. */
  FORCED_IN_SERVICE = 'FORCED_IN_SERVICE',
  /** Automation must never restore this cluster. */
  FORCED_ISOLATED = 'FORCED_ISOLATED',
}

/** What raised a trigger. `compromise` comes from GuardDuty. */
export type TriggerKind = 'ddos' | 'unhealthy' | 'surge' | 'lagging' | 'compromise';

/** CloudWatch alarm states. */
export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** The latest known state of one alarm (or GuardDuty finding) of a cluster. */
export interface SignalState {
  readonly kind: TriggerKind;
  readonly state: AlarmStateValue;
  /** `detail.state.timestamp` of the alarm event, epoch ms: events are ordered by this, never by arrival. */
  readonly timestamp: number;
  /**
   * When on-call was paged that this alarm has been in INSUFFICIENT_DATA too long (epoch ms), so it pages once
   * per stretch of missing data.
   * @default - not paged
   */
  readonly unknownPagedAt?: number;
  /**
   * When an operator `restore` (or a FORCED_IN_SERVICE pin that restored the cluster) acknowledged this signal
   * (epoch ms). An acknowledged signal no longer counts as an active trigger until a newer event re-activates
   * it; this is the only way a compromise signal ever stops being active.
   * @default - not acknowledged
   */
  readonly acknowledgedAt?: number;
  /** GuardDuty `service.count` of the last update (compromise signals): a rise is new activity. @default - not a finding */
  readonly findingCount?: number;
  /** GuardDuty `service.eventLastSeen` of the last update, epoch ms (compromise signals). @default - not a finding */
  readonly lastSeen?: number;
  /**
   * A `ddos` alarm in ALARM held back under `isolateOnDdos: "with-impact"`: not a trigger until unhealthy targets,
   * a traffic surge or an attack-on-us finding corroborates it.
   * @default false
   */
  readonly awaitingImpact?: boolean;
}

/** The last update of a notify-only GuardDuty finding (attack on us, expected activity): re-published updates stay quiet. */
export interface NotifiedFinding {
  readonly class: 'attack-on-us' | 'expected-on-blockchain-node';
  /** `service.count` of the last update. */
  readonly count: number;
  /** `service.eventLastSeen`, epoch ms. */
  readonly lastSeen: number;
  /** `updatedAt` of the last update, epoch ms: orders updates. */
  readonly at: number;
  /** When on-call was last told about it, epoch ms. */
  readonly notifiedAt: number;
}

/**
 * What an isolation actually changed, recorded by the actuators so restore undoes exactly that and nothing
 * else (e.g. an SG rule an operator removed by hand before the attack is not re-added).
 */
export interface IsolationRecord {
  /** Ingress rules revoked from the NLB security group, as the EC2 API returned them. */
  readonly revokedIngress?: readonly RevokedIngressRule[];
  /** Deny entries added to network ACLs. */
  readonly addedNaclEntries?: readonly AddedNaclEntry[];
  /** Route tables whose VPN route propagation was disabled (it was enabled before). */
  readonly disabledPropagation?: readonly { readonly routeTableId: string; readonly gatewayId: string }[];
  /**
   * Auto Scaling processes the isolation suspended on the seed-node group (one item per group and process).
   * Only processes that were running before: one someone else had suspended is not ours to resume.
   */
  readonly suspendedProcesses?: readonly SuspendedProcess[];
}

/** One Auto Scaling process an isolation suspended. */
export interface SuspendedProcess {
  readonly autoScalingGroupName: string;
  /** The process type (`Launch`, `ReplaceUnhealthy`, ...). */
  readonly process: string;
}

/** One revoked SG ingress permission, in EC2 `IpPermission` shape (JSON-safe subset). */
export interface RevokedIngressRule {
  readonly groupId: string;
  readonly ipProtocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly referencedGroupId?: string;
  readonly description?: string;
}

/** One NACL entry the isolation added. */
export interface AddedNaclEntry {
  readonly networkAclId: string;
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly cidrBlock?: string;
  readonly ipv6CidrBlock?: string;
  /**
   * Allow or deny. Isolations add allows too (the VPC and site CIDRs that must keep working, below the denies).
   * @default 'deny' (records written before allows existed)
   */
  readonly ruleAction?: 'allow' | 'deny';
}

/** The job in progress on a cluster: recorded (persisted) before any of its effects is carried out. */
export interface ActiveJob {
  /** Unique id, `${event.id}` of the event that started it. */
  readonly id: string;
  readonly kind: 'ISOLATE' | 'RESTORE';
  /** The effects of the job, in order. */
  readonly effects: readonly Effect[];
  readonly startedAt: number;
  /** How many times the effects were planned (1 = first plan; reconcile re-plans stuck or failed jobs). @default 1 */
  readonly attempts?: number;
  /** When the effects were last planned (epoch ms). @default - `startedAt` */
  readonly lastAttemptAt?: number;
  /** Error of the last failed attempt; reconcile re-plans a failed job on its next run. @default - not failed */
  readonly lastError?: string;
}

/** State of one cluster. Persisted as one DynamoDB item, version-checked on every write. */
export interface ClusterState {
  readonly clusterId: string;
  /** Optimistic-lock version: every write is conditional on the version read. */
  readonly version: number;
  readonly status: ClusterStatus;
  /** Share of its normal traffic DNS gives the cluster now: 0 (isolated) .. 100. See core/weights.ts. */
  readonly servingPercent: number;
  readonly pin?: OperatorPin;
  /**
   * When the pin expires (epoch ms); automation then manages the cluster again under the normal rules.
   * @default - a pin set before pins expired: it holds until unpinned
   */
  readonly pinUntil?: number;
  /** Who set the pin and why (`alice (false positive)`), named when a compromise overrides it. */
  readonly pinBy?: string;
  /** Latest state per alarm name (or `guardduty:<findingId>`). */
  readonly signals: Readonly<Record<string, SignalState>>;
  /** When the last trigger fired (epoch ms). */
  readonly lastTriggerAt?: number;
  /**
   * When every signal last became confirmed clear: the quiet period runs from here. Unknown data
   * (INSUFFICIENT_DATA where missing data is not normal) stops it; see `quietPending`.
   */
  readonly clearSince?: number;
  /**
   * A quiet period is owed but cannot run: a trigger cleared (or a running quiet period was interrupted) while
   * some alarm's data is unknown. It starts when every signal is confirmed clear again.
   * @default false
   */
  readonly quietPending?: boolean;
  /** When automation last changed this cluster's status (hysteresis / cooldown). */
  readonly lastTransitionAt?: number;
  /** Index into `restoreRampPercent` while RESTORING. */
  readonly rampStage?: number;
  /** When the current ramp stage began. */
  readonly rampStageSince?: number;
  readonly job?: ActiveJob;
  /** What the current isolation cut (absent when nothing is cut). */
  readonly isolation?: IsolationRecord;
  /** Why the last isolation request was refused, so repeated refusals are reported once per trigger. */
  readonly lastRefusal?: {
    readonly reason: string;
    readonly at: number;
    /** `lastTriggerAt` when refused: a refusal is notified again only after a new trigger activation. */
    readonly triggerAt?: number;
  };
  /** Id of the last operator command applied to (or refused for) this cluster: replaying it is a no-op. */
  readonly lastOperatorEventId?: string;
  /** Newest `eventLastSeen` of an attack-on-us finding, epoch ms: corroborates a DDoS reading (with-impact). */
  readonly lastAttackSeenAt?: number;
  /** Notify-only findings by finding id (pruned after 30 days). @default {} */
  readonly notifiedFindings?: Readonly<Record<string, NotifiedFinding>>;
  /**
   * The cluster is out of DNS because its nodes lag behind the chain (`lagging` only): a drain, weight 0 and
   * nothing cut, since it is not attacked. A cut-worthy trigger on a drained cluster still cuts it.
   * @default - not drained (an isolation, if any, cut what its record says)
   */
  readonly drained?: boolean;
  /**
   * The last Reachability Analyzer check of this cluster's cuts (after an isolation completed, or after a
   * restore undid them), and what it showed. Replaced by the next check; kept after the cluster moves on so
   * `status` can show it.
   * @default - never checked (switched off, nothing cut, or an older state)
   */
  readonly reachability?: ReachabilityCheck;
}

/** Which paths a reachability check analyses. */
export type ReachabilityPathKind =
  /** The internet gateway to a seed node on the p2p port (through the NLB): what the internet cut closes. */
  | 'INTERNET_TO_NODE'
  /** A seed node to an address in each IPv4 site CIDR (through the VPN gateway): what the BP-path cut closes. */
  | 'NODE_TO_SITES';

/** What a reachability check expects: no path (the cuts are in force) or a path (the restore re-opened it). */
export type ReachabilityExpectation = 'BLOCKED' | 'OPEN';

/**
 * Outcome of a reachability check.
 * `PENDING`: analyses started, not all finished; `VERIFIED`: every analysis finished and matched the
 * expectation; `UNVERIFIED`: a path was found while the cuts should block it, or none after a restore;
 * `UNKNOWN`: an analysis failed or never started (unknown is not good news).
 */
export type ReachabilityStatus = 'PENDING' | 'VERIFIED' | 'UNVERIFIED' | 'UNKNOWN';

/** A Reachability Analyzer check the core started, recorded before the analyses are started. */
export interface ReachabilityCheck {
  /** Id of the VERIFY_REACHABILITY effect: the analyses are tagged with it, so a reconcile finds exactly them. */
  readonly id: string;
  readonly expect: ReachabilityExpectation;
  readonly paths: readonly ReachabilityPathKind[];
  /** When the check was planned (epoch ms). */
  readonly startedAt: number;
  /** When the analyses were last (re)started (epoch ms). @default - `startedAt` */
  readonly lastAttemptAt?: number;
  /** How many times the analyses were started. @default 1 */
  readonly attempts?: number;
  readonly status: ReachabilityStatus;
  /** When the status left PENDING (epoch ms). @default - still pending */
  readonly decidedAt?: number;
  /** One sentence: what the analyses showed (the paths found, the failure). @default - still pending */
  readonly detail?: string;
}

/** State shared by all clusters. One DynamoDB item. */
export interface GlobalState {
  readonly version: number;
  readonly automationPaused: boolean;
  /** Epoch ms of recent automatic isolations (rate limit window). */
  readonly recentIsolations: readonly number[];
  /**
   * When the core last saw a chain-wide lag (epoch ms). A lag only drains a cluster once it has lasted the
   * settle time since then: when the chain resumes, the last cluster to catch up is not a lone laggard.
   * @default - never seen
   */
  readonly chainWideLagSeenAt?: number;
  /** Id of the last global operator command (pause/resume): replaying it is a no-op. */
  readonly lastOperatorEventId?: string;
  /**
   * Id of the last reconcile that acted on what it observed (a DNS repair, a page about an undone cut).
   * Writing it moves the global version, so the same observation is never acted on twice.
   * @default - none
   */
  readonly lastObservationEventId?: string;
}

/** The whole world the core decides over. */
export interface WorldState {
  readonly global: GlobalState;
  readonly clusters: Readonly<Record<string, ClusterState>>;
}

// ---------------------------------------------------------------- events

/** A CloudWatch alarm state change for one of a cluster's alarms. */
export interface AlarmEvent {
  readonly type: 'ALARM_STATE';
  /** EventBridge event id: the idempotency key. */
  readonly id: string;
  readonly clusterId: string;
  readonly alarmName: string;
  readonly kind: Exclude<TriggerKind, 'compromise'>;
  readonly state: AlarmStateValue;
  /** `detail.state.timestamp`, epoch ms. */
  readonly stateTimestamp: number;
}

/**
 * A GuardDuty finding about an instance of a cluster. The core classifies it with the finding policy
 * (`finding-policy.ts`, plus the config's rules): only a compromise isolates.
 */
export interface FindingEvent {
  readonly type: 'FINDING';
  readonly id: string;
  readonly clusterId: string;
  readonly findingId: string;
  /** What the policy classifies on. */
  readonly facts: FindingFacts;
  /** `service.count`: occurrences aggregated under this finding id. */
  readonly count: number;
  /** `service.eventLastSeen`, epoch ms (the activity itself, not the publication). */
  readonly lastSeen: number;
  /** `detail.updatedAt`, epoch ms: orders the updates of one finding. */
  readonly at: number;
}

/** Periodic reconcile: advances timers (quiet period, ramp) and brings what it observed in AWS. */
export interface ReconcileEvent {
  readonly type: 'RECONCILE';
  readonly id: string;
  /** Alarm states re-read from CloudWatch, keyed by alarm name. */
  readonly observedAlarms: readonly Omit<AlarmEvent, 'type' | 'id'>[];
  /**
   * What the reconcile saw of DNS and of the cuts, to compare with the recorded state: `decide` repairs a DNS
   * weight set that diverged and pages about a cut undone behind the control plane's back.
   * @default - nothing observed: no comparison
   */
  readonly observed?: ReconcileObservation;
}

/**
 * What a reconcile observed in AWS, and the state it observed it against.
 *
 * An observation is only meaningful against the state it was read with: when any state item moved since
 * (another decision committed), `decide` ignores it, because the newer decision owns the weights.
 */
export interface ReconcileObservation {
  /** Versions of the state items read just before AWS was looked at. */
  readonly stateVersions: StateVersions;
  /**
   * The weight Route 53 serves now, per cluster id (its A record). A cluster without a record is absent.
   * @default - not read (e.g. Route 53 unreachable): no DNS repair
   */
  readonly servedWeights?: Readonly<Record<string, number>>;
  /**
   * The cuts in force on the clusters `clustersToObserve` named. A cluster that could not be read is absent.
   * @default - none observed
   */
  readonly cuts?: readonly ObservedCuts[];
  /**
   * The Reachability Analyzer analyses of the pending checks `reachabilityChecksToObserve` named. A cluster
   * whose analyses could not be read is absent.
   * @default - none observed
   */
  readonly reachability?: readonly ObservedReachability[];
}

/** The analyses AWS holds for one reachability check (those tagged with its id). */
export interface ObservedReachability {
  readonly clusterId: string;
  /** `ReachabilityCheck.id` the analyses were tagged with. */
  readonly checkId: string;
  readonly analyses: readonly ObservedAnalysis[];
}

/** One Reachability Analyzer analysis, as `DescribeNetworkInsightsAnalyses` returns it. */
export interface ObservedAnalysis {
  /** The path it analysed: `internet-to-node` or `node-to-site:<cidr>` (see `reachabilityPathLabels`). */
  readonly path: string;
  readonly status: 'running' | 'succeeded' | 'failed';
  /** `NetworkPathFound` of a succeeded analysis. @default - not finished */
  readonly pathFound?: boolean;
  /** `StatusMessage` of a failed analysis. @default - none */
  readonly message?: string;
}

/** Versions of every state item, as read. */
export interface StateVersions {
  readonly global: number;
  readonly clusters: Readonly<Record<string, number>>;
}

/** Whether an aws cluster's internet ingress and block-producer path are cut right now, as AWS shows it. */
export interface ObservedCuts {
  readonly clusterId: string;
  readonly internetCut: boolean;
  readonly blockProducerPathCut: boolean;
  /**
   * The network ACLs the cluster stack publishes now. One the isolation record does not name means a deploy
   * replaced an ACL during the isolation: the new one came up open, and the core cuts it again.
   * @default - not read: a divergence only pages
   */
  readonly networkAclIds?: readonly string[];
}

/** The actuators finished (or failed) a job's effects. */
export interface JobResultEvent {
  readonly type: 'JOB_RESULT';
  readonly id: string;
  readonly clusterId: string;
  readonly jobId: string;
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  /** What the effects actually changed (isolation jobs). */
  readonly isolation?: IsolationRecord;
  readonly error?: string;
}

/** An operator command from the CLI. */
export interface OperatorEvent {
  readonly type: 'OPERATOR';
  readonly id: string;
  readonly command: 'isolate' | 'restore' | 'pin' | 'unpin' | 'pause' | 'resume';
  readonly clusterId?: string;
  readonly pin?: OperatorPin;
  /**
   * When the pin expires (epoch ms), from `--for`/`--until`. Must be after the decision's `now` and within
   * `policy.pinMaxMinutes` of it. @default - now + `policy.pinDefaultMinutes`
   */
  readonly pinUntil?: number;
  readonly reason: string;
  /** Override safety rules (min healthy, rate limit); needs a reason. */
  readonly force?: boolean;
  readonly operator: string;
}

export type CoreEvent = AlarmEvent | FindingEvent | ReconcileEvent | JobResultEvent | OperatorEvent;

// ---------------------------------------------------------------- effects

interface EffectBase {
  /** `${event.id}:${index}`: the idempotency key / ClientToken for the actuator. */
  readonly id: string;
}

/** UPSERT every listed record's weight in ONE Route 53 change batch, then wait for INSYNC. */
export interface SetDnsWeightsEffect extends EffectBase {
  readonly type: 'SET_DNS_WEIGHTS';
  readonly weights: Readonly<Record<string, number>>;
}

/** Revoke the NLB security group's ingress (and record exactly what was revoked). */
export interface CutInternetEffect extends EffectBase {
  readonly type: 'CUT_INTERNET';
  readonly clusterId: string;
}

/** Deny the site CIDRs on the cluster's NACLs and disable VPN route propagation on its private route tables. */
export interface CutBlockProducerPathEffect extends EffectBase {
  readonly type: 'CUT_BP_PATH';
  readonly clusterId: string;
}

/** Undo exactly what `ClusterState.isolation` records. */
export interface UndoIsolationEffect extends EffectBase {
  readonly type: 'UNDO_ISOLATION';
  readonly clusterId: string;
}

/**
 * Start VPC Reachability Analyzer analyses of the cluster's paths (reusing one tagged path per check), tagged
 * with the effect id; a later reconcile reads them (see `ObservedReachability`). Not part of any job: a failure
 * to start leaves the check PENDING, and the reconcile starts it again.
 */
export interface VerifyReachabilityEffect extends EffectBase {
  readonly type: 'VERIFY_REACHABILITY';
  readonly clusterId: string;
  readonly expect: ReachabilityExpectation;
  readonly paths: readonly ReachabilityPathKind[];
}

/** Tell on-call (SNS) about a decision, including refused ones. */
export interface NotifyEffect extends EffectBase {
  readonly type: 'NOTIFY';
  readonly severity: 'INFO' | 'WARNING' | 'CRITICAL';
  readonly subject: string;
  readonly message: string;
}

/**
 * Suspend the listed Auto Scaling processes on the cluster's seed-node group (those not already suspended),
 * recording which were ours: a node launched while the cluster is cut cannot boot (its user data needs the
 * internet), would stay unhealthy, and would keep the cluster from ever restoring. Undone by UNDO_ISOLATION.
 */
export interface SuspendScalingEffect extends EffectBase {
  readonly type: 'SUSPEND_SCALING';
  readonly clusterId: string;
  /** Process types to suspend (see policy.ts `SCALING_PROCESSES_SUSPENDED_WHILE_ISOLATED` for the choice). */
  readonly processes: readonly string[];
}

/**
 * Snapshot every EBS volume of the cluster's seed nodes, tagged with the finding id, unless snapshots with
 * that tag exist already (idempotent by tag, not by effect id: a re-plan or a second finding update adds none).
 * Never undone: evidence outlives the isolation, until `retainDays` have passed.
 */
export interface PreserveEvidenceEffect extends EffectBase {
  readonly type: 'PRESERVE_EVIDENCE';
  readonly clusterId: string;
  /** The GuardDuty finding that classified as a compromise. */
  readonly findingId: string;
  /** How long the snapshots are kept (tagged `seedshield:retain-until`). */
  readonly retainDays: number;
}

export type Effect =
  | SetDnsWeightsEffect
  | CutInternetEffect
  | CutBlockProducerPathEffect
  | SuspendScalingEffect
  | PreserveEvidenceEffect
  | UndoIsolationEffect
  | VerifyReachabilityEffect
  | NotifyEffect;

/** What `decide` returns. */
export interface Decision {
  /** Effects to carry out, in order. Empty for no-ops (duplicates, stale events). */
  readonly plan: readonly Effect[];
  /** The state to persist (conditional on the versions read) BEFORE any effect is carried out. */
  readonly next: WorldState;
  /** One human-readable sentence: why. Logged and notified. */
  readonly reason: string;
  /** Machine-readable outcome for logs, metrics and the drill. */
  readonly outcome: DecisionOutcome;
}

export type DecisionOutcome =
  | 'NO_CHANGE'
  | 'DUPLICATE'
  | 'STALE'
  | 'ISOLATION_STARTED'
  | 'ISOLATION_REFUSED'
  | 'ISOLATION_COMPLETED'
  | 'RESTORE_STARTED'
  | 'RAMP_ADVANCED'
  | 'RESTORE_COMPLETED'
  | 'RAMP_ABORTED'
  | 'JOB_FAILED'
  | 'JOB_RETRIED'
  | 'OPERATOR_APPLIED'
  | 'OPERATOR_REFUSED'
  | 'SIGNAL_RECORDED'
  /** A reconcile found Route 53 serving other weights than the recorded state gives, and sets them back. */
  | 'DNS_REPAIRED'
  /** A reconcile found a recorded cut undone outside the control plane (paged, never silently re-applied). */
  | 'ISOLATION_DIVERGED'
  | 'AUTOMATION_PAUSED'
  | 'AUTOMATION_RESUMED'
  /** A compromise's BP path was cut on its own; its DNS weight and internet cut are held back (floor, pause). */
  | 'BP_PATH_CUT'
  | 'PIN_EXPIRED'
  /** An alarm sat in INSUFFICIENT_DATA (holding its cluster) past insufficientDataPageMinutes. */
  | 'DATA_MISSING'
  /** Reachability Analyzer confirmed what the cuts (or their undo) should have done. */
  | 'REACHABILITY_VERIFIED'
  /** Reachability Analyzer found a path the cuts should block, or none after a restore (paged CRITICAL). */
  | 'REACHABILITY_UNVERIFIED'
  /** A Reachability Analyzer check failed or never started: the cuts are not proven either way (paged). */
  | 'REACHABILITY_UNKNOWN';
