/**
 * The guard tables one rule at a time: who each rule applies to, and where its limits lie (a cooldown, a
 * window, a settle time ends at exactly its length). `decide` consults these tables; the decision tests reach
 * most rules through it, and mutation testing (MUTATION.md) showed which requester/limit pairs they did not.
 * Each row says what the rule promises, and the answer is checked through `firstRefusal`, as `decide` asks.
 */
import { initialWorldState } from '../../../lambdas/core/initial-state';
import {
  activeCompromiseFindings,
  DEFAULT_PIN_MAX_MINUTES,
  DEFAULT_PIN_MINUTES,
  firstRefusal,
  GuardContext,
  ISOLATION_GUARDS,
  isolationsInWindow,
  IsolationMode,
  LAG_SETTLE_MS,
  PIN_IN_SERVICE_GUARDS,
  pinLimits,
  RESTORE_GUARDS,
  RestoreMode,
} from '../../../lambdas/core/policy';
import { ActiveJob, ClusterState, ClusterStatus, OperatorPin, SignalState } from '../../../lambdas/core/types';
import { MIN, T0, topology } from './fixtures';

const NOW = T0 + 600 * MIN;
const topo = topology(3);
const world = initialWorldState(topo);
const sig = (kind: SignalState['kind'], state: SignalState['state'], extra: Partial<SignalState> = {}): SignalState => ({ kind, state, timestamp: T0, ...extra });
const job = (kind: ActiveJob['kind'], extra: Partial<ActiveJob> = {}): ActiveJob => ({ id: 'j1', kind, effects: [], startedAt: NOW - MIN, ...extra });

/** Cluster `a` as patched, `b` and `c` as given (in service by default), every one serving as it says. */
function ctx(a: Partial<ClusterState> = {}, opts: { others?: Partial<ClusterState>; global?: Partial<GuardContext['global']>; policy?: Partial<typeof topo.policy> } = {}): GuardContext {
  const t = topology(3, opts.policy ?? {});
  const clusters = {
    a: { ...world.clusters.a, ...a },
    b: { ...world.clusters.b, ...opts.others },
    c: { ...world.clusters.c, ...opts.others },
  };
  return {
    cluster: clusters.a,
    topologyCluster: t.clusters[0],
    topology: t,
    global: { ...world.global, ...opts.global },
    // The change under review takes `a` out of DNS; the others serve as their state says.
    servingAfter: { a: 0, b: clusters.b.servingPercent, c: clusters.c.servingPercent },
    clusters,
    now: NOW,
  };
}

const ddos = { signals: { 'a-ddos': sig('ddos', 'ALARM') } };
const lag = (since = NOW - 10 * MIN) => ({ signals: { 'a-lag': { ...sig('lagging', 'ALARM'), timestamp: since } } });
const compromised = { signals: { 'guardduty:f1': sig('compromise', 'ALARM') } };
const pinned = (pin: OperatorPin, until = NOW + 60 * MIN) => ({ pin, pinUntil: until, pinBy: 'alice (maintenance)' });
const isolated = { status: ClusterStatus.ISOLATED, servingPercent: 0, lastTransitionAt: NOW - 120 * MIN, clearSince: NOW - 60 * MIN };

describe('isolation guards: who each rule applies to and where it ends', () => {
  test.each<{ rule: string; mode: IsolationMode; c: GuardContext; refusedBy: string | undefined }>([
    // One job per cluster: operators are told, with or without force.
    { rule: 'an operator isolation waits for a running job', mode: 'operator', c: ctx({ job: job('RESTORE') }), refusedBy: 'JOB_IN_PROGRESS' },
    { rule: 'a forced operator isolation waits for a running job too', mode: 'operatorForced', c: ctx({ job: job('RESTORE') }), refusedBy: 'JOB_IN_PROGRESS' },
    // Only a cluster still in DNS can be isolated.
    { rule: 'an operator may isolate a RESTORING cluster', mode: 'operator', c: ctx({ status: ClusterStatus.RESTORING, servingPercent: 10 }), refusedBy: undefined },
    { rule: 'an operator may isolate a cluster whose BP path alone is cut', mode: 'operator', c: ctx({ status: ClusterStatus.BP_PATH_CUT }), refusedBy: undefined },
    { rule: 'an ISOLATED cluster is not isolated again', mode: 'operatorForced', c: ctx(isolated), refusedBy: 'ALREADY_ISOLATED' },
    // An in-service pin holds triggers back, short of a compromise; it holds an operator without force even then.
    { rule: 'an in-service pin holds an operator isolation back', mode: 'operator', c: ctx(pinned(OperatorPin.FORCED_IN_SERVICE)), refusedBy: 'PINNED_IN_SERVICE' },
    { rule: 'an in-service pin holds an operator back even from a compromised cluster', mode: 'operator', c: ctx({ ...pinned(OperatorPin.FORCED_IN_SERVICE), ...compromised }), refusedBy: 'PINNED_IN_SERVICE' },
    { rule: 'a compromise overrides an in-service pin for automation', mode: 'rampAbort', c: ctx({ ...pinned(OperatorPin.FORCED_IN_SERVICE), ...compromised }), refusedBy: undefined },
    { rule: 'an isolated pin (held) is not an in-service pin', mode: 'automatic', c: ctx({ ...pinned(OperatorPin.FORCED_ISOLATED), ...ddos }), refusedBy: undefined },
    { rule: 'an expired in-service pin holds nothing back', mode: 'automatic', c: ctx({ ...pinned(OperatorPin.FORCED_IN_SERVICE, NOW), ...ddos }), refusedBy: undefined },
    // Lag: chain-wide lag drains nothing, a new lag settles first; neither rule concerns other triggers.
    { rule: 'a chain-wide lag drains nothing, ramp or not', mode: 'rampAbort', c: ctx(lag(), { others: lag() }), refusedBy: 'CHAIN_WIDE_LAG' },
    { rule: 'a ddos is isolated while the chain lags everywhere else', mode: 'automatic', c: ctx(ddos, { others: lag() }), refusedBy: undefined },
    { rule: 'a lag younger than the settle time waits, ramp or not', mode: 'rampAbort', c: ctx(lag(NOW - LAG_SETTLE_MS + 1)), refusedBy: 'LAG_SETTLING' },
    { rule: 'a lag exactly the settle time old drains', mode: 'automatic', c: ctx(lag(NOW - LAG_SETTLE_MS)), refusedBy: undefined },
    // Cooldown ends after exactly cooldownMinutes; a compromise skips it.
    { rule: 'a status change one ms short of the cooldown holds a trigger', mode: 'automatic', c: ctx({ ...ddos, lastTransitionAt: NOW - 10 * MIN + 1 }), refusedBy: 'COOLDOWN' },
    { rule: 'a status change exactly the cooldown ago holds nothing', mode: 'automatic', c: ctx({ ...ddos, lastTransitionAt: NOW - 10 * MIN }), refusedBy: undefined },
    { rule: 'a compromise skips the cooldown', mode: 'automatic', c: ctx({ ...compromised, lastTransitionAt: NOW - MIN }), refusedBy: undefined },
    // The rate-limit window holds isolations younger than its length.
    { rule: 'two isolations inside the window spend it', mode: 'automatic', c: ctx(ddos, { global: { recentIsolations: [NOW - 60 * MIN + 1, NOW - MIN] } }), refusedBy: 'RATE_LIMIT' },
    { rule: 'an isolation exactly the window ago no longer counts', mode: 'automatic', c: ctx(ddos, { global: { recentIsolations: [NOW - 60 * MIN, NOW - MIN] } }), refusedBy: undefined },
    { rule: 'a spent window limits a ramp abort too', mode: 'rampAbort', c: ctx(ddos, { global: { recentIsolations: [NOW - 2 * MIN, NOW - MIN] } }), refusedBy: 'RATE_LIMIT' },
    // The floor and the all-zero rule.
    { rule: 'a ramp abort never leaves fewer than minHealthyClusters in DNS', mode: 'rampAbort', c: ctx(ddos, { others: isolated }), refusedBy: 'MIN_HEALTHY' },
    {
      rule: 'an operator never sets every weight to 0, even with no floor',
      mode: 'operator',
      c: ctx({}, { others: isolated, policy: { minHealthyClusters: 0 } }),
      refusedBy: 'ALL_WEIGHTS_ZERO',
    },
  ])('$rule ($mode): refused by $refusedBy', ({ mode, c, refusedBy }) => {
    expect(firstRefusal(ISOLATION_GUARDS, mode, c)?.guardId).toBe(refusedBy);
  });

  test.each([
    { job: job('ISOLATE', { lastError: 'throttled' }), says: 'an ISOLATE job is in progress; retry when it finishes, or abandon the failing job with restore --force' },
    { job: job('ISOLATE'), says: 'an ISOLATE job is in progress; retry when it finishes' },
    { job: job('RESTORE', { lastError: 'throttled' }), says: 'a RESTORE job is in progress; retry when it finishes' },
  ])('when the running job is $job.kind (last error: $job.lastError), the operator is told "$says"', ({ job: j, says }) => {
    expect(firstRefusal(ISOLATION_GUARDS, 'operator', ctx({ job: j }))).toEqual({ guardId: 'JOB_IN_PROGRESS', reason: says });
  });
});

describe('restore guards: who each rule applies to and where it ends', () => {
  const quiet = (patch: Partial<ClusterState> = {}) => ctx({ ...isolated, ...patch });
  test.each<{ rule: string; mode: RestoreMode; c: GuardContext; refusedBy: string | undefined }>([
    { rule: 'a quiet, cooled-down isolated cluster restores', mode: 'automatic', c: quiet(), refusedBy: undefined },
    { rule: 'a forced operator restore waits for a running job', mode: 'operatorForced', c: quiet({ job: job('ISOLATE') }), refusedBy: 'JOB_IN_PROGRESS' },
    { rule: 'a pause stops automatic restores', mode: 'automatic', c: ctx(isolated, { global: { automationPaused: true } }), refusedBy: 'AUTOMATION_PAUSED' },
    { rule: 'a pause does not stop an operator', mode: 'operator', c: ctx(isolated, { global: { automationPaused: true } }), refusedBy: undefined },
    { rule: 'an isolated pin holds even a forced restore', mode: 'operatorForced', c: quiet(pinned(OperatorPin.FORCED_ISOLATED)), refusedBy: 'PINNED_ISOLATED' },
    { rule: 'an expired isolated pin holds no restore back', mode: 'operator', c: quiet(pinned(OperatorPin.FORCED_ISOLATED, NOW)), refusedBy: undefined },
    { rule: 'an in-service pin is not an isolated pin', mode: 'automatic', c: quiet(pinned(OperatorPin.FORCED_IN_SERVICE)), refusedBy: undefined },
    { rule: 'automation never restores a compromise', mode: 'automatic', c: quiet(compromised), refusedBy: 'COMPROMISED' },
    { rule: 'an operator restores a compromise', mode: 'operator', c: quiet(compromised), refusedBy: undefined },
    { rule: 'an active trigger holds a restore', mode: 'automatic', c: quiet(ddos), refusedBy: 'TRIGGER_ACTIVE' },
    { rule: 'unknown data holds a restore', mode: 'automatic', c: quiet({ signals: { 'a-unhealthy': sig('unhealthy', 'INSUFFICIENT_DATA') } }), refusedBy: 'SIGNAL_UNKNOWN' },
    { rule: 'missing ddos data is normal', mode: 'automatic', c: quiet({ signals: { 'a-ddos': sig('ddos', 'INSUFFICIENT_DATA') } }), refusedBy: undefined },
    { rule: 'no quiet period running holds a restore', mode: 'automatic', c: quiet({ clearSince: undefined }), refusedBy: 'QUIET_PERIOD' },
    { rule: 'a quiet period one ms short holds a restore', mode: 'automatic', c: quiet({ clearSince: NOW - 30 * MIN + 1 }), refusedBy: 'QUIET_PERIOD' },
    { rule: 'a quiet period of exactly its length is over', mode: 'automatic', c: quiet({ clearSince: NOW - 30 * MIN }), refusedBy: undefined },
    { rule: 'a status change one ms short of the cooldown holds a restore', mode: 'automatic', c: quiet({ lastTransitionAt: NOW - 10 * MIN + 1 }), refusedBy: 'COOLDOWN' },
    { rule: 'a status change exactly the cooldown ago holds no restore', mode: 'automatic', c: quiet({ lastTransitionAt: NOW - 10 * MIN }), refusedBy: undefined },
    { rule: 'the cooldown does not hold an operator', mode: 'operator', c: quiet({ lastTransitionAt: NOW - MIN }), refusedBy: undefined },
  ])('$rule ($mode): refused by $refusedBy', ({ mode, c, refusedBy }) => {
    expect(firstRefusal(RESTORE_GUARDS, mode, c)?.guardId).toBe(refusedBy);
  });

  test('the alarms whose data is unknown are named in order', () => {
    const c = quiet({ signals: { 'a-unhealthy': sig('unhealthy', 'INSUFFICIENT_DATA'), 'a-lag': sig('lagging', 'INSUFFICIENT_DATA'), 'a-ddos': sig('ddos', 'INSUFFICIENT_DATA') } });
    // `a` is isolated: its lag telemetry may be missing through the cut, so only the unhealthy alarm holds it.
    expect(firstRefusal(RESTORE_GUARDS, 'automatic', c)?.reason).toBe('alarm a-unhealthy of cluster a is in INSUFFICIENT_DATA; unknown data is not clear');
    const serving = ctx({ status: ClusterStatus.IN_SERVICE, clearSince: NOW - 60 * MIN, signals: { 'z-unhealthy': sig('unhealthy', 'INSUFFICIENT_DATA'), 'a-lag': sig('lagging', 'INSUFFICIENT_DATA') } });
    expect(firstRefusal(RESTORE_GUARDS, 'automatic', serving)?.reason).toBe('alarm a-lag, z-unhealthy of cluster a is in INSUFFICIENT_DATA; unknown data is not clear');
  });
});

describe('pinning in service', () => {
  test.each([
    { running: job('ISOLATE'), refusedBy: 'JOB_IN_PROGRESS' },
    { running: job('RESTORE'), refusedBy: undefined },
    { running: undefined, refusedBy: undefined },
  ])('when the running job is $running.kind, a FORCED_IN_SERVICE pin is refused by $refusedBy', ({ running, refusedBy }) => {
    expect(firstRefusal(PIN_IN_SERVICE_GUARDS, 'operator', ctx({ ...isolated, job: running }))?.guardId).toBe(refusedBy);
  });
});

describe('limits and lists the guards read', () => {
  test('the rate-limit window holds isolations younger than its length, and only those', () => {
    const recent = [NOW - 60 * MIN - 1, NOW - 60 * MIN, NOW - 60 * MIN + 1, NOW];
    expect(isolationsInWindow({ ...world.global, recentIsolations: recent }, topo, NOW)).toEqual([NOW - 60 * MIN + 1, NOW]);
  });

  test.each([
    { policy: {}, limits: { defaultMinutes: DEFAULT_PIN_MINUTES, maxMinutes: DEFAULT_PIN_MAX_MINUTES } },
    { policy: { pinDefaultMinutes: 30, pinMaxMinutes: 90 }, limits: { defaultMinutes: 30, maxMinutes: 90 } },
  ])('when the policy sets pins to $policy, the limits are $limits', ({ policy, limits }) => {
    expect(pinLimits(topology(1, policy))).toEqual(limits);
  });

  test('the compromise findings of a cluster are the active GuardDuty compromises, sorted', () => {
    const c = {
      ...world.clusters.a,
      signals: {
        'guardduty:f2': sig('compromise', 'ALARM'),
        'guardduty:f1': sig('compromise', 'ALARM'),
        'guardduty:f3': sig('compromise', 'ALARM', { acknowledgedAt: T0 }),
        'guardduty:f4': sig('ddos', 'ALARM'),
        'a-manual': sig('compromise', 'ALARM'),
      },
    };
    expect(activeCompromiseFindings(c)).toEqual(['f1', 'f2']);
  });
});
