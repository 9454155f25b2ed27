/**
 * The policy's predicates one by one, against hand-written expectations: which signals are triggers, which
 * data is unknown, when lag counts, when lag is chain-wide, which trigger is most severe, when a pin holds.
 * Mutation testing (MUTATION.md) found these reachable through `decide` only in corners the decision tests
 * did not take.
 */
import { initialWorldState } from '../../../lambdas/core/initial-state';
import {
  chainWideLag,
  describePin,
  isLaggingOnly,
  isSignalActive,
  isSignalUnknown,
  lagActiveSince,
  lagCounts,
  lagUnresolved,
  MISSING_DATA_IS_NORMAL,
  pinHolds,
  pinHoldsTriggersBack,
  startsAtOnce,
  triggerSeverity,
} from '../../../lambdas/core/policy';
import { ClusterState, ClusterStatus, Effect, OperatorPin, SignalState } from '../../../lambdas/core/types';
import { external, T0, topology } from './fixtures';

const sig = (kind: SignalState['kind'], state: SignalState['state'], timestamp = T0, extra: Partial<SignalState> = {}): SignalState => ({ kind, state, timestamp, ...extra });
const base = initialWorldState(topology(1)).clusters.a;
/** Table rows infer `{ a?: undefined }` for the keys other rows have, hence the Partial. */
type Signals = Partial<Record<string, SignalState>>;
const cluster = (patch: Partial<ClusterState> = {}, signals: Signals = {}): ClusterState => ({
  ...base,
  signals: signals as Record<string, SignalState>,
  ...patch,
});

describe('which effects start at once', () => {
  test.each([
    { type: 'CUT_INTERNET', atOnce: true },
    { type: 'CUT_BP_PATH', atOnce: true },
    { type: 'SUSPEND_SCALING', atOnce: true },
    { type: 'PRESERVE_EVIDENCE', atOnce: true },
    { type: 'SET_DNS_WEIGHTS', atOnce: false },
    { type: 'UNDO_ISOLATION', atOnce: false },
    { type: 'NOTIFY', atOnce: false },
  ])('when the effect is $type, it starts at once: $atOnce', ({ type, atOnce }) => {
    expect(startsAtOnce({ type, id: 'e:0', clusterId: 'a' } as unknown as Effect)).toBe(atOnce);
  });
});

describe('signals', () => {
  test.each([
    { condition: 'a compromise (whatever its alarm state)', s: sig('compromise', 'OK'), active: true },
    { condition: 'an alarm in ALARM', s: sig('ddos', 'ALARM'), active: true },
    { condition: 'an alarm that is OK', s: sig('ddos', 'OK'), active: false },
    { condition: 'an acknowledged compromise', s: sig('compromise', 'ALARM', T0, { acknowledgedAt: T0 }), active: false },
    { condition: 'a ddos reading awaiting impact', s: sig('ddos', 'ALARM', T0, { awaitingImpact: true }), active: false },
  ])('when the signal is $condition, it is active: $active', ({ s, active }) => {
    expect(isSignalActive(s)).toBe(active);
  });

  test.each([
    { kind: 'ddos' as const, unknown: false },
    { kind: 'surge' as const, unknown: false },
    { kind: 'unhealthy' as const, unknown: true },
    { kind: 'lagging' as const, unknown: true },
    { kind: 'compromise' as const, unknown: false },
  ])('when a $kind signal is INSUFFICIENT_DATA, its data is unknown: $unknown (missing data is normal only for ddos and surge)', ({ kind, unknown }) => {
    expect(isSignalUnknown(sig(kind, 'INSUFFICIENT_DATA'))).toBe(unknown);
    expect(isSignalUnknown(sig(kind, 'OK'))).toBe(false);
  });

  test('the kinds whose missing data is normal are exactly ddos and surge', () => {
    expect(MISSING_DATA_IS_NORMAL).toEqual({ ddos: true, surge: true, unhealthy: false, lagging: false });
  });
});

describe('lag', () => {
  test.each([
    { condition: 'IN_SERVICE', c: cluster(), counts: true },
    { condition: 'RESTORING with a weight', c: cluster({ status: ClusterStatus.RESTORING, servingPercent: 10 }), counts: true },
    { condition: 'RESTORING at 0 % (catching up)', c: cluster({ status: ClusterStatus.RESTORING, servingPercent: 0 }), counts: false },
    { condition: 'ISOLATED (cut)', c: cluster({ status: ClusterStatus.ISOLATED, servingPercent: 0 }), counts: false },
    // its BP path is cut, so its nodes may lag for that reason alone, like a cut cluster's
    { condition: 'BP_PATH_CUT, still serving peers', c: cluster({ status: ClusterStatus.BP_PATH_CUT, servingPercent: 100 }), counts: false },
    { condition: 'ISOLATED because drained for lag', c: cluster({ status: ClusterStatus.ISOLATED, servingPercent: 0, drained: true }), counts: true },
  ])('when the cluster is $condition, its lag counts as a trigger: $counts', ({ c, counts }) => {
    expect(lagCounts(c)).toBe(counts);
  });

  test.each([
    { condition: 'no signal', signals: {}, only: false },
    { condition: 'a lag alarm in ALARM and a ddos alarm that is OK', signals: { l: sig('lagging', 'ALARM'), d: sig('ddos', 'OK') }, only: true },
    { condition: 'a lag alarm and a ddos alarm in ALARM', signals: { l: sig('lagging', 'ALARM'), d: sig('ddos', 'ALARM') }, only: false },
  ])('when the cluster has $condition, lag is its only trigger: $only', ({ signals, only }) => {
    expect(isLaggingOnly(cluster({}, signals))).toBe(only);
  });

  test.each([
    { condition: 'a ddos alarm in ALARM only', signals: { d: sig('ddos', 'ALARM') }, unresolved: false },
    { condition: 'a lag alarm that is OK', signals: { l: sig('lagging', 'OK') }, unresolved: false },
    { condition: 'an acknowledged lag alarm in ALARM', signals: { l: sig('lagging', 'ALARM', T0, { acknowledgedAt: T0 }) }, unresolved: false },
    { condition: 'a lag alarm without data', signals: { l: sig('lagging', 'INSUFFICIENT_DATA') }, unresolved: true },
    { condition: 'a lag alarm in ALARM', signals: { l: sig('lagging', 'ALARM') }, unresolved: true },
  ])('when the cluster has $condition, its lag is unresolved: $unresolved', ({ signals, unresolved }) => {
    expect(lagUnresolved(cluster({}, signals))).toBe(unresolved);
  });

  test('when several signals fired, the lag is active since the oldest active lag alarm (not other kinds, not cleared ones)', () => {
    const c = cluster({}, { l1: sig('lagging', 'ALARM', T0 + 5), l2: sig('lagging', 'ALARM', T0 + 3), d: sig('ddos', 'ALARM', T0 + 1), l3: sig('lagging', 'OK', T0) });
    expect(lagActiveSince(c)).toBe(T0 + 3);
    expect(lagActiveSince(cluster({}, { d: sig('ddos', 'ALARM', T0 + 1) }))).toBeUndefined();
  });

  describe('chain-wide lag: more than half of the serving aws clusters lag', () => {
    const lagging = { l: sig('lagging', 'ALARM') };
    const topo3 = topology(3, {}, [external('x')]);
    const world = (patches: Partial<Record<string, Omit<Partial<ClusterState>, 'signals'> & { signals?: Signals }>>): Record<string, ClusterState> => {
      const s = initialWorldState(topo3).clusters;
      return Object.fromEntries(Object.entries(s).map(([id, c]) => [id, { ...c, ...(patches[id] ?? {}) } as ClusterState]));
    };
    test.each([
      { condition: '2 of 3 lag', patches: { a: { signals: lagging }, b: { signals: lagging } }, result: { lagging: 2, serving: 3 } },
      { condition: '1 of 3 lags, and an external cluster lags too (it has no chain telemetry of its own)', patches: { a: { signals: lagging }, x: { signals: lagging } }, result: undefined },
      {
        condition: 'a, isolated for an attack, lags, b lags, c does not (a is not serving)',
        patches: { a: { status: ClusterStatus.ISOLATED, servingPercent: 0, signals: lagging }, b: { signals: lagging } },
        result: undefined,
      },
      {
        condition: 'a is drained for lag, b lags',
        patches: { a: { status: ClusterStatus.ISOLATED, servingPercent: 0, drained: true }, b: { signals: lagging } },
        result: { lagging: 2, serving: 3 },
      },
      {
        condition: '1 of 3 lags; another has a ddos alarm in ALARM and the third a lag alarm that is OK',
        patches: { a: { signals: lagging }, b: { signals: { d: sig('ddos', 'ALARM') } }, c: { signals: { l: sig('lagging', 'OK') } } },
        result: undefined,
      },
    ])('when $condition, it is chain-wide: $result', ({ patches, result }) => {
      expect(chainWideLag(world(patches), topo3)).toEqual(result);
    });

    test('when exactly half of the serving clusters lag, it is not chain-wide', () => {
      const topo2 = topology(2);
      const s = initialWorldState(topo2).clusters;
      expect(chainWideLag({ ...s, a: { ...s.a, signals: lagging } }, topo2)).toBeUndefined();
    });

    test('when a topology cluster has no state item yet, it is skipped', () => {
      const s = world({ a: { signals: lagging }, b: { signals: lagging } });
      delete s.c;
      expect(chainWideLag(s, topo3)).toEqual({ lagging: 2, serving: 2 });
    });
  });
});

describe('trigger severity', () => {
  test.each([
    { condition: 'no signal', signals: {}, rank: 5 },
    { condition: 'a ddos and a surge alarm in ALARM', signals: { s: sig('surge', 'ALARM'), d: sig('ddos', 'ALARM') }, rank: 1 },
    { condition: 'a surge in ALARM and an acknowledged compromise', signals: { s: sig('surge', 'ALARM'), g: sig('compromise', 'ALARM', T0, { acknowledgedAt: T0 }) }, rank: 4 },
    { condition: 'an unhealthy alarm in ALARM and a compromise', signals: { u: sig('unhealthy', 'ALARM'), g: sig('compromise', 'ALARM') }, rank: 0 },
  ])('when the cluster has $condition, its rank is $rank (compromise 0 ... surge 4, none 5)', ({ signals, rank }) => {
    expect(triggerSeverity(cluster({}, signals))).toBe(rank);
  });
});

describe('pins', () => {
  test.each([
    { condition: 'there is no pin', c: cluster(), now: T0, holds: false },
    { condition: 'the pin has no expiry', c: cluster({ pin: OperatorPin.FORCED_ISOLATED }), now: T0, holds: true },
    { condition: 'the pin expires later', c: cluster({ pin: OperatorPin.FORCED_ISOLATED, pinUntil: T0 + 1 }), now: T0, holds: true },
    { condition: 'the pin expires now', c: cluster({ pin: OperatorPin.FORCED_ISOLATED, pinUntil: T0 }), now: T0, holds: false },
  ])('when $condition, the pin holds: $holds', ({ c, now, holds }) => {
    expect(pinHolds(c, now)).toBe(holds);
  });

  test.each([
    { condition: 'expiry and author', c: cluster({ pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: T0, pinBy: 'alice (drill)' }), text: 'FORCED_IN_SERVICE until 2026-01-01T00:00:00.000Z, set by alice (drill)' },
    { condition: 'no author', c: cluster({ pin: OperatorPin.FORCED_ISOLATED, pinUntil: T0 }), text: 'FORCED_ISOLATED until 2026-01-01T00:00:00.000Z' },
    { condition: 'no expiry', c: cluster({ pin: OperatorPin.FORCED_ISOLATED }), text: 'FORCED_ISOLATED (no expiry)' },
  ])('when a pin has $condition, it is described as "$text"', ({ c, text }) => {
    expect(describePin(c)).toBe(text);
  });

  test.each([
    { condition: 'an in-service pin and a ddos alarm in ALARM', pin: OperatorPin.FORCED_IN_SERVICE, signals: { d: sig('ddos', 'ALARM') }, back: true },
    { condition: 'an isolated pin and a ddos alarm in ALARM', pin: OperatorPin.FORCED_ISOLATED, signals: { d: sig('ddos', 'ALARM') }, back: false },
    { condition: 'an in-service pin and no active trigger', pin: OperatorPin.FORCED_IN_SERVICE, signals: { d: sig('ddos', 'OK') }, back: false },
    { condition: 'an in-service pin and a compromise', pin: OperatorPin.FORCED_IN_SERVICE, signals: { g: sig('compromise', 'ALARM') }, back: false },
  ])('when the cluster has $condition, the pin holds its triggers back: $back', ({ pin, signals, back }) => {
    expect(pinHoldsTriggersBack(cluster({ pin, pinUntil: T0 + 60_000 }, signals), T0)).toBe(back);
  });
});
