/**
 * What on-call reads in a decision's reason at 3 a.m.: only what happened ("undid its cuts" only when something
 * was cut) and plain English ("an ISOLATE job", "1 cluster").
 */
import { decide } from '../../../lambdas/core/decide';
import type { WorldState } from '../../../lambdas/core/types';
import { alarm, external, isolatedWorld, jobResult, MIN, operator, run, T0, topology } from './fixtures';

const topo = topology(3, {}, [external('x')]);

/** An operator isolation of `id` (job o1 succeeded), then an operator restore (job o2, not finished yet). */
function restoringByOperator(id: string, start?: WorldState): WorldState {
  const steps = [
    ...(start ? [] : ([[operator('o1', 'isolate', { clusterId: id }), T0], [jobResult('j1', id, 'o1'), T0]] as const)),
    [operator('o2', 'restore', { clusterId: id }), T0 + 20 * MIN] as const,
  ];
  return run(topo, steps, start).state;
}

describe('a finished restore says what it undid', () => {
  test.each([
    ['a cloud cluster whose isolation cut its ingress', 'undid its cuts', 'a', () => restoringByOperator('a', isolatedWorld(topo, 'a'))],
    ['an external cluster, only taken out of DNS', 'finished (nothing was cut)', 'x', () => restoringByOperator('x')],
  ])('when the restore job of %s succeeds, the reason says "%s"', (_what, wording, id, world) => {
    // GIVEN
    const s = world();
    expect(s.clusters[id].job?.kind).toBe('RESTORE');

    // WHEN
    const d = decide(s, jobResult('r1', id, 'o2'), topo, T0 + 21 * MIN);

    // THEN
    expect(d.reason).toContain(`The restore job o2 of cluster ${id} ${wording}`);
    expect(d.reason).not.toContain(wording === 'undid its cuts' ? 'nothing was cut' : 'undid its cuts');
  });
});

describe('counts and articles read as English', () => {
  test.each([
    [
      'a refusal while an isolation job runs',
      'an ISOLATE job is in progress',
      () => decide(run(topo, [[alarm('a1', 'a', 'ALARM', T0), T0]]).state, operator('o1', 'restore', { clusterId: 'a' }), topo, T0 + MIN),
    ],
    [
      'a refusal that would leave one cluster in DNS',
      'would leave 1 cluster in DNS, below minHealthyClusters 2',
      () => decide(isolatedWorld(topology(2, { minHealthyClusters: 2 })), alarm('b1', 'b', 'ALARM', T0 + MIN, 'b-ddos'), topology(2, { minHealthyClusters: 2 }), T0 + MIN),
    ],
  ])('when the core writes %s, it says "%s"', (_what, wording, decision) => {
    // WHEN
    const d = decision();

    // THEN
    expect(d.reason).toContain(wording);
  });
});

describe('a quiet period is announced when it starts, and only for a cluster out of service', () => {
  const topo3 = topology(3);
  const unhealthy = (id: string, state: 'OK' | 'INSUFFICIENT_DATA', at: number) => alarm(id, 'a', state, at, 'a-unhealthy', 'unhealthy');
  test.each([
    ['an isolated cluster whose trigger clears', 'every signal is clear, so the 30-minute quiet period starts', [alarm('ok', 'a', 'OK', T0 + 2 * MIN)]],
    [
      'an isolated cluster whose trigger clears while other data is unknown',
      'every trigger is clear but some alarm data is unknown, so no quiet period counts until every alarm reports OK',
      [unhealthy('u1', 'INSUFFICIENT_DATA', T0 + MIN), alarm('ok', 'a', 'OK', T0 + 2 * MIN)],
    ],
    [
      'an isolated cluster whose unknown data comes back OK',
      'every signal is clear, so the 30-minute quiet period starts',
      [unhealthy('u1', 'INSUFFICIENT_DATA', T0 + MIN), alarm('ok', 'a', 'OK', T0 + 2 * MIN), unhealthy('u2', 'OK', T0 + 3 * MIN)],
    ],
  ])('when %s, the last decision says "%s"', (_what, wording, events) => {
    // WHEN
    const { decisions } = run(topo3, events.map((e) => [e, T0 + 5 * MIN] as const), isolatedWorld(topo3));

    // THEN
    expect(decisions[decisions.length - 1].reason).toContain(wording);
  });

  test('when an in-service cluster\'s alarm clears (its isolation was refused), no quiet period is announced', () => {
    // GIVEN: every cluster must stay in DNS, so the surge alarm is refused and a stays IN_SERVICE
    const all = topology(3, { minHealthyClusters: 3 });
    // WHEN
    const { decisions } = run(all, [
      [alarm('x', 'a', 'ALARM', T0, 'a-surge', 'surge'), T0],
      [alarm('y', 'a', 'OK', T0 + MIN, 'a-surge', 'surge'), T0 + MIN],
    ]);

    // THEN
    expect(decisions[0].outcome).toBe('ISOLATION_REFUSED');
    expect(decisions[1].next.clusters.a.status).toBe('IN_SERVICE');
    expect(decisions[1].reason).toContain('every signal is clear');
    expect(decisions[1].reason).not.toContain('quiet period');
  });
});
