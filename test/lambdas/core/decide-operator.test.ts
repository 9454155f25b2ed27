/**
 * Operator commands in the decision core: isolate, restore (and --force abandoning a failing isolation), pin
 * and unpin with their expiry limits, pause and resume. What each one does, what it refuses, and how loud the
 * page is: a change that takes a cluster out of the automation's hands (isolate, pin, pause, a refusal) is a
 * WARNING, a return to normal (restore, unpin, resume) is INFO.
 */
import { decide } from '../../../lambdas/core/decide';
import { initialWorldState } from '../../../lambdas/core/initial-state';
import { ClusterStatus, OperatorPin, type CoreEvent, type Decision, type NotifyEffect, type OperatorEvent, type WorldState } from '../../../lambdas/core/types';
import { alarm, compromise, isolatedWorld, jobResult, MIN, operator, run, T0, topology, types } from './fixtures';

const notify = (d: Decision) => d.plan.find((e): e is NotifyEffect => e.type === 'NOTIFY');
const NOW = T0 + 2 * MIN;

describe('pause and resume', () => {
  const topo = topology(3);
  const paused = () => run(topo, [[operator('p0', 'pause'), T0]]).state;

  test.each<{ condition: string; start: () => WorldState; command: 'pause' | 'resume'; outcome: string; reason: string; severity: string }>([
    {
      condition: 'automation runs and an operator pauses it',
      start: () => initialWorldState(topo),
      command: 'pause',
      outcome: 'AUTOMATION_PAUSED',
      reason: 'Operator alice (drill) paused automation: only operator commands act, except the block-producer path cut of a compromise.',
      severity: 'WARNING',
    },
    {
      condition: 'automation is paused already and an operator pauses it again',
      start: paused,
      command: 'pause',
      outcome: 'AUTOMATION_PAUSED',
      reason: 'Operator alice (drill) paused automation; it was already paused.',
      severity: 'WARNING',
    },
    {
      condition: 'automation is paused and an operator resumes it',
      start: paused,
      command: 'resume',
      outcome: 'AUTOMATION_RESUMED',
      reason: 'Operator alice (drill) resumed automation: held-back triggers are re-checked now.',
      severity: 'INFO',
    },
    {
      condition: 'automation runs and an operator resumes it',
      start: () => initialWorldState(topo),
      command: 'resume',
      outcome: 'AUTOMATION_RESUMED',
      reason: 'Operator alice (drill) resumed automation; it was already running.',
      severity: 'INFO',
    },
  ])('when $condition, it says so in a $severity page', ({ start, command, outcome, reason, severity }) => {
    // GIVEN
    const s = start();
    // WHEN
    const d = decide(s, operator('o1', command), topo, NOW);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(d.reason).toBe(reason);
    expect(notify(d)).toMatchObject({ severity, subject: `seedshield ${outcome}`, message: reason });
    expect(d.next.global.automationPaused).toBe(command === 'pause');
  });
});

describe('commands on a cluster: what they do and how loud the page is', () => {
  const topo = topology(3);
  /** a compromised while automation is paused: its BP path is cut (job done), it still serves peers. */
  const bpPathCut = () => run(topo, [[operator('p0', 'pause'), T0 - MIN], [compromise('g1', 'a', T0), T0], [jobResult('j1', 'a', 'g1'), T0]]).state;
  /** a isolated, restored by an operator, its undo done: ramping at 10 % without a job. */
  const ramping = () => run(topo, [[operator('o0', 'restore', { clusterId: 'a' }), T0 + MIN], [jobResult('u0', 'a', 'o0'), T0 + MIN]], isolatedWorld(topo)).state;
  const pinIsolated = (extra: Partial<OperatorEvent> = {}) => operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED, ...extra });
  const pinInService = operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE });

  test.each<{ condition: string; start: () => WorldState; event: CoreEvent; outcome: string; severity: string; status: ClusterStatus; reason?: string }>([
    { condition: 'an operator isolates a cluster in service', start: () => initialWorldState(topo), event: operator('o1', 'isolate', { clusterId: 'a' }), outcome: 'OPERATOR_APPLIED', severity: 'WARNING', status: ClusterStatus.ISOLATING },
    {
      condition: 'an operator isolates an isolated cluster',
      start: () => isolatedWorld(topo),
      event: operator('o1', 'isolate', { clusterId: 'a' }),
      outcome: 'OPERATOR_REFUSED',
      severity: 'WARNING',
      status: ClusterStatus.ISOLATED,
      reason: 'Refused isolate of cluster a by operator alice (drill): it is already ISOLATED [ALREADY_ISOLATED].',
    },
    { condition: 'an operator restores an isolated cluster', start: () => isolatedWorld(topo), event: operator('o1', 'restore', { clusterId: 'a' }), outcome: 'OPERATOR_APPLIED', severity: 'INFO', status: ClusterStatus.RESTORING },
    {
      condition: 'an operator restores a cluster whose BP path is cut',
      start: bpPathCut,
      event: operator('o1', 'restore', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      severity: 'INFO',
      status: ClusterStatus.RESTORING,
      reason: 'Operator alice (drill) restored cluster a: acknowledged 1 active signals, undoing its block-producer path cut while it keeps serving peers at 100 %.',
    },
    {
      condition: 'an operator restores a cluster in service',
      start: () => initialWorldState(topo),
      event: operator('o1', 'restore', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      severity: 'INFO',
      status: ClusterStatus.IN_SERVICE,
      reason: 'Operator alice (drill) acknowledged 0 active signals of cluster a; it is IN_SERVICE, so there is nothing to restore.',
    },
    { condition: 'an operator pins an isolated cluster in service', start: () => isolatedWorld(topo), event: pinInService, outcome: 'OPERATOR_APPLIED', severity: 'WARNING', status: ClusterStatus.RESTORING },
    {
      condition: 'an operator pins a cluster in service that serves',
      start: () => initialWorldState(topo),
      event: pinInService,
      outcome: 'OPERATOR_APPLIED',
      severity: 'WARNING',
      status: ClusterStatus.IN_SERVICE,
      reason: 'Operator alice (drill) pinned cluster a FORCED_IN_SERVICE until 2026-01-01T04:02:00.000Z; automation will not isolate it short of a compromise.',
    },
    { condition: 'an operator pins a cluster in service isolated', start: () => initialWorldState(topo), event: pinIsolated(), outcome: 'OPERATOR_APPLIED', severity: 'WARNING', status: ClusterStatus.ISOLATING },
    {
      condition: 'an operator pins an isolated cluster isolated',
      start: () => isolatedWorld(topo),
      event: pinIsolated(),
      outcome: 'OPERATOR_APPLIED',
      severity: 'WARNING',
      status: ClusterStatus.ISOLATED,
      reason: 'Operator alice (drill) pinned cluster a FORCED_ISOLATED until 2026-01-01T04:02:00.000Z; automation will not restore it.',
    },
    // Rule: a FORCED_ISOLATED pin isolates every cluster still in DNS: ramping back, or serving peers with its BP path cut.
    {
      condition: 'an operator pins a ramping cluster isolated',
      start: ramping,
      event: pinIsolated(),
      outcome: 'OPERATOR_APPLIED',
      severity: 'WARNING',
      status: ClusterStatus.ISOLATING,
      reason: 'Operator alice (drill) pinned cluster a FORCED_ISOLATED until 2026-01-01T04:02:00.000Z and isolated it: DNS weight 0, internet cut, block-producer VPN path cut.',
    },
    {
      condition: 'an operator pins a cluster with its BP path cut isolated',
      start: bpPathCut,
      event: pinIsolated(),
      outcome: 'OPERATOR_APPLIED',
      severity: 'WARNING',
      status: ClusterStatus.ISOLATING,
      reason: 'Operator alice (drill) pinned cluster a FORCED_ISOLATED until 2026-01-01T04:02:00.000Z and isolated it: DNS weight 0, internet cut, block-producer VPN path cut.',
    },
    {
      condition: 'an operator unpins a cluster',
      start: () => run(topo, [[pinInService, T0]]).state,
      event: operator('o2', 'unpin', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      severity: 'INFO',
      status: ClusterStatus.IN_SERVICE,
      reason: 'Operator alice (drill) unpinned cluster a (was FORCED_IN_SERVICE until 2026-01-01T04:00:00.000Z, set by alice (drill)); automation manages it again.',
    },
    {
      condition: 'an operator unpins a cluster that is not pinned',
      start: () => initialWorldState(topo),
      event: operator('o2', 'unpin', { clusterId: 'a' }),
      outcome: 'OPERATOR_APPLIED',
      severity: 'INFO',
      status: ClusterStatus.IN_SERVICE,
      reason: 'Operator alice (drill) unpinned cluster a, which was not pinned.',
    },
  ])('when $condition, it reports $outcome in a $severity page and the cluster is $status', ({ start, event, outcome, severity, status, reason }) => {
    // GIVEN
    const s = start();
    // WHEN
    const d = decide(s, event, topo, NOW);
    // THEN
    expect(d.outcome).toBe(outcome);
    expect(notify(d)).toMatchObject({ severity, subject: `seedshield ${outcome}: a` });
    expect(d.next.clusters.a.status).toBe(status);
    if (reason !== undefined) expect(d.reason).toBe(reason);
  });

  test('when an operator unpins a cluster, the pin, its expiry and who set it are gone', () => {
    // GIVEN
    const s = run(topo, [[pinInService, T0]]).state;
    expect(s.clusters.a).toMatchObject({ pin: OperatorPin.FORCED_IN_SERVICE, pinUntil: T0 + 240 * MIN, pinBy: 'alice (drill)' });
    // WHEN
    const d = decide(s, operator('o2', 'unpin', { clusterId: 'a' }), topo, NOW);
    // THEN
    expect(Object.keys(d.next.clusters.a).filter((k) => k.startsWith('pin'))).toEqual([]);
  });
});

describe('restore --force', () => {
  const topo = topology(3);
  const failing = () => run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0], [jobResult('f1', 'a', 'e1', 'FAILED', { error: 'AccessDenied' }), T0]]).state;

  test('when the isolation job keeps failing, it abandons the job and restores, and the page is a WARNING that says both', () => {
    // GIVEN
    const s = failing();
    // WHEN
    const d = decide(s, operator('o1', 'restore', { clusterId: 'a', force: true }), topo, NOW);
    // THEN
    expect(types(d)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
    expect(notify(d)).toMatchObject({
      severity: 'WARNING',
      message:
        'Operator alice (drill) abandoned the failing isolation job e1 of cluster a (last error: AccessDenied).\n' +
        'Operator alice (drill) restored cluster a: acknowledged 1 active signals, undoing its isolation and ramping its DNS share from 10 %.',
    });
    expect(d.next.clusters.a).toMatchObject({ status: ClusterStatus.RESTORING, job: { id: 'o1', kind: 'RESTORE' } });
  });

  // Rule: --force abandons only an ISOLATE job that has failed; any other job is waited for.
  test.each<{ condition: string; start: () => WorldState; reason: string }>([
    {
      condition: 'the isolation job is still running (it has not failed)',
      start: () => run(topo, [[alarm('e1', 'a', 'ALARM', T0), T0]]).state,
      reason: 'Refused restore of cluster a by operator alice (drill): an ISOLATE job is in progress; retry when it finishes [JOB_IN_PROGRESS].',
    },
    {
      condition: 'the undo job of a restore failed',
      start: () => run(topo, [[operator('o0', 'restore', { clusterId: 'a' }), T0 + MIN], [jobResult('u0', 'a', 'o0', 'FAILED', { error: 'AccessDenied' }), T0 + MIN]], isolatedWorld(topo)).state,
      reason: 'Refused restore of cluster a by operator alice (drill): a RESTORE job is in progress; retry when it finishes [JOB_IN_PROGRESS].',
    },
    {
      condition: 'the cluster is pinned FORCED_ISOLATED',
      start: () => run(topo, [[operator('o0', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_ISOLATED }), T0 + MIN]], isolatedWorld(topo)).state,
      reason: 'Refused restore of cluster a by operator alice (drill): cluster a is pinned FORCED_ISOLATED until 2026-01-01T04:01:00.000Z, set by alice (drill); unpin it first [PINNED_ISOLATED].',
    },
  ])('when $condition, it is refused', ({ start, reason }) => {
    // GIVEN
    const s = start();
    // WHEN
    const d = decide(s, operator('o1', 'restore', { clusterId: 'a', force: true }), topo, NOW);
    // THEN
    expect(d.outcome).toBe('OPERATOR_REFUSED');
    expect(d.reason).toBe(reason);
    expect(types(d)).toEqual(['NOTIFY']);
    expect(d.next.clusters.a.job).toEqual(s.clusters.a.job);
  });

  test('when the cluster is isolated and no job runs, it restores like a plain restore', () => {
    // GIVEN
    const s = isolatedWorld(topo);
    // WHEN
    const d = decide(s, operator('o1', 'restore', { clusterId: 'a', force: true }), topo, NOW);
    // THEN
    expect(d.reason).toBe('Operator alice (drill) restored cluster a: acknowledged 1 active signals, undoing its isolation and ramping its DNS share from 10 %.');
    expect(types(d)).toEqual(['UNDO_ISOLATION', 'NOTIFY']);
  });
});

describe('pin expiry limits', () => {
  const topo = topology(3);
  // Rule: a pin must end after now and last at most pinMaxMinutes (24 hours by default).
  test.each([
    { condition: 'the pin would end exactly now', pinUntil: NOW, refused: 'the pin would expire at or before now (pinUntil 2026-01-01T00:02:00.000Z); give a --for or an --until in the future' },
    { condition: 'the pin would end 1 ms from now', pinUntil: NOW + 1, refused: undefined },
    { condition: 'the pin would last exactly 24 hours', pinUntil: NOW + 24 * 60 * MIN, refused: undefined },
    {
      condition: 'the pin would last 24 hours and 1 ms',
      pinUntil: NOW + 24 * 60 * MIN + 1,
      refused: 'the pin would last 1441 minutes, longer than pinMaxMinutes 1440; give a shorter --for or an earlier --until',
    },
  ])('when $condition, it is refused: $refused', ({ pinUntil, refused }) => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN
    const d = decide(s, operator('o1', 'pin', { clusterId: 'a', pin: OperatorPin.FORCED_IN_SERVICE, pinUntil }), topo, NOW);
    // THEN
    if (refused === undefined) {
      expect(d.outcome).toBe('OPERATOR_APPLIED');
      expect(d.next.clusters.a).toMatchObject({ pin: OperatorPin.FORCED_IN_SERVICE, pinUntil });
    } else {
      expect(d.reason).toBe(`Refused pin of cluster a by operator alice (drill): ${refused} [PIN_EXPIRY].`);
      expect(d.next.clusters.a.pin).toBeUndefined();
    }
  });
});

describe('malformed operator commands', () => {
  const topo = topology(3);
  test.each([
    { condition: 'a pin command has no pin', event: operator('o1', 'pin', { clusterId: 'a' }), message: 'operator command o1 (pin) needs a pin' },
    { condition: 'the command is unknown', event: operator('o1', 'bogus' as OperatorEvent['command'], { clusterId: 'a' }), message: 'unknown operator command: bogus' },
  ])('when $condition, it throws InvalidEventError naming it', ({ event, message }) => {
    // GIVEN
    const s = initialWorldState(topo);
    // WHEN / THEN
    expect(() => decide(s, event, topo, NOW)).toThrow(expect.objectContaining({ name: 'InvalidEventError', message }));
  });
});
