/**
 * What the reconcile looks at and how the core reads what it saw: which clusters' cuts and reachability checks
 * are observed, whether an observation is still current, which weights diverged, which recorded cuts AWS shows
 * open again, which paths a record's cuts close and what a set of analyses says. Expectations are written out
 * by hand from the record shapes (a deny of 0.0.0.0/0 or ::/0 is the internet cut, any other deny a site).
 */
import { initialWorldState } from '../../../lambdas/core/initial-state';
import {
  clustersToObserve,
  divergedWeights,
  observationIsCurrent,
  reachabilityChecksToObserve,
  reachabilityPathLabels,
  reachabilityPathsOf,
  readReachability,
  undoneCuts,
} from '../../../lambdas/core/policy';
import { AddedNaclEntry, ClusterState, ClusterStatus, IsolationRecord, ObservedAnalysis, ReachabilityCheck, ReconcileObservation, WorldState } from '../../../lambdas/core/types';
import { external, T0, topology } from './fixtures';

const deny = (cidr: string, extra: Partial<AddedNaclEntry> = {}): AddedNaclEntry => ({
  networkAclId: 'acl-1',
  ruleNumber: 1,
  egress: false,
  ...(cidr.includes(':') ? { ipv6CidrBlock: cidr } : { cidrBlock: cidr }),
  ...extra,
});
const allow = (cidr: string): AddedNaclEntry => deny(cidr, { ruleAction: 'allow' });
const SITE = '198.51.100.0/24';

describe('what a record cut', () => {
  test.each<{ condition: string; record: IsolationRecord | undefined; paths: string[] }>([
    { condition: 'no record', record: undefined, paths: [] },
    { condition: 'a record of the old security-group cut', record: { revokedIngress: [] }, paths: [] },
    { condition: 'an IPv4 internet deny', record: { addedNaclEntries: [deny('0.0.0.0/0')] }, paths: ['INTERNET_TO_NODE'] },
    { condition: 'an IPv6 internet deny', record: { addedNaclEntries: [deny('::/0')] }, paths: ['INTERNET_TO_NODE'] },
    { condition: 'a site deny', record: { addedNaclEntries: [deny(SITE, { egress: true })] }, paths: ['NODE_TO_SITES'] },
    { condition: 'a deny written before ruleAction existed, and both cuts', record: { addedNaclEntries: [deny(SITE), deny('0.0.0.0/0', { ruleAction: 'deny' })] }, paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'] },
    { condition: 'only allows (what the cut keeps open)', record: { addedNaclEntries: [allow('0.0.0.0/0'), allow(SITE)] }, paths: [] },
  ])('when the record has $condition, its cuts close $paths', ({ record, paths }) => {
    expect(reachabilityPathsOf(record)).toEqual(paths);
  });

  test('the analyses of a check are the internet path and one per IPv4 site CIDR', () => {
    const topo = { ...topology(1), siteCidrs: { ipv4: [SITE, '203.0.113.0/24'], ipv6: ['2001:db8::/32'] } };
    expect(reachabilityPathLabels(['INTERNET_TO_NODE', 'NODE_TO_SITES'], topo)).toEqual(['internet-to-node', `node-to-site:${SITE}`, 'node-to-site:203.0.113.0/24']);
    expect(reachabilityPathLabels(['NODE_TO_SITES'], topo)).toEqual([`node-to-site:${SITE}`, 'node-to-site:203.0.113.0/24']);
  });
});

describe('which recorded cuts AWS shows open again', () => {
  const isolatedWith = (entries: AddedNaclEntry[] | undefined): ClusterState => ({
    ...initialWorldState(topology(1)).clusters.a,
    status: ClusterStatus.ISOLATED,
    servingPercent: 0,
    isolation: entries === undefined ? undefined : { addedNaclEntries: entries },
  });
  const seen = (internetCut: boolean, blockProducerPathCut: boolean) => ({ clusterId: 'a', internetCut, blockProducerPathCut });
  test.each([
    { condition: 'both cuts in force', entries: [deny('0.0.0.0/0'), deny(SITE)], seen: seen(true, true), undone: [] },
    { condition: 'the internet cut open', entries: [deny('0.0.0.0/0'), deny(SITE)], seen: seen(false, true), undone: ['internet ingress'] },
    { condition: 'the IPv6 internet cut open', entries: [deny('::/0')], seen: seen(false, true), undone: ['internet ingress'] },
    { condition: 'the BP path open', entries: [deny('0.0.0.0/0'), deny(SITE)], seen: seen(true, false), undone: ['block-producer path'] },
    { condition: 'everything open but only the internet recorded', entries: [deny('0.0.0.0/0')], seen: seen(false, false), undone: ['internet ingress'] },
    { condition: 'everything open but only the BP path recorded', entries: [deny(SITE)], seen: seen(false, false), undone: ['block-producer path'] },
    { condition: 'everything open but only allows recorded', entries: [allow('0.0.0.0/0'), allow(SITE)], seen: seen(false, false), undone: [] },
    { condition: 'no record at all', entries: undefined, seen: seen(false, false), undone: [] },
  ])('when the record and AWS show $condition, the undone cuts are $undone', ({ entries, seen: s, undone }) => {
    expect(undoneCuts(isolatedWith(entries), s)).toEqual(undone);
  });
});

describe('what a reconcile observes', () => {
  const topo = topology(3, {}, [external('x')]);
  const world = initialWorldState(topo);
  const withClusters = (patch: Record<string, Partial<ClusterState>>): WorldState => ({
    ...world,
    clusters: Object.fromEntries(Object.entries(world.clusters).map(([id, c]) => [id, { ...c, ...patch[id] }])),
  });
  const cut = { status: ClusterStatus.ISOLATED, servingPercent: 0, isolation: { addedNaclEntries: [deny('0.0.0.0/0')] } };
  const check = (status: ReachabilityCheck['status']): ReachabilityCheck => ({ id: 'v1', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE'], startedAt: T0, status });

  test('the cuts observed are those of isolated aws clusters with a record', () => {
    const state = withClusters({
      a: cut,
      b: { status: ClusterStatus.ISOLATED, servingPercent: 0 }, // isolated, nothing recorded
      c: { ...cut, status: ClusterStatus.RESTORING, servingPercent: 10 }, // record kept while restoring
      x: cut, // external: nothing of it to look at in AWS
    });
    expect(clustersToObserve(state, topo)).toEqual(['a']);
  });

  test('a topology cluster without a state item yet is skipped', () => {
    const state = withClusters({ a: cut });
    const clusters = Object.fromEntries(Object.entries(state.clusters).filter(([id]) => id !== 'b'));
    expect(clustersToObserve({ ...state, clusters }, topo)).toEqual(['a']);
    expect(reachabilityChecksToObserve({ ...state, clusters }, topo)).toEqual([]);
  });

  test('the reachability checks observed are the pending ones of aws clusters', () => {
    const state = withClusters({
      a: { reachability: check('PENDING') },
      b: { reachability: check('VERIFIED') },
      c: { reachability: { ...check('PENDING'), id: 'v3' } },
      x: { reachability: check('PENDING') },
    });
    expect(reachabilityChecksToObserve(state, topo)).toEqual([
      { clusterId: 'a', check: check('PENDING') },
      { clusterId: 'c', check: { ...check('PENDING'), id: 'v3' } },
    ]);
  });

  test.each<{ condition: string; versions: ReconcileObservation['stateVersions']; current: boolean }>([
    { condition: 'the versions it was made against', versions: { global: 0, clusters: { a: 0, b: 0, c: 0, x: 0 } }, current: true },
    { condition: 'an older global version', versions: { global: 1, clusters: { a: 0, b: 0, c: 0, x: 0 } }, current: false },
    { condition: 'an older version of one cluster', versions: { global: 0, clusters: { a: 0, b: 1, c: 0, x: 0 } }, current: false },
    { condition: 'one cluster fewer', versions: { global: 0, clusters: { a: 0, b: 0, c: 0 } }, current: false },
    { condition: 'one cluster more', versions: { global: 0, clusters: { a: 0, b: 0, c: 0, x: 0, y: 0 } }, current: false },
  ])('when the observation carries $condition, it is current: $current', ({ versions, current }) => {
    expect(observationIsCurrent({ stateVersions: versions }, world)).toBe(current);
  });

  test('the diverged weights are the served records at another weight; a cluster without a served record is not compared', () => {
    expect(divergedWeights({ a: 100, b: 0, c: 50, x: 100 }, { a: 100, b: 100, c: 0 })).toEqual(['b', 'c']);
    expect(divergedWeights({ a: 100 }, {})).toEqual([]);
  });
});

describe('what the analyses of a check say', () => {
  const topo = { ...topology(1), siteCidrs: { ipv4: [SITE], ipv6: [] } };
  const check: ReachabilityCheck = { id: 'v1', expect: 'BLOCKED', paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'], startedAt: T0, status: 'PENDING' };
  const SITE_PATH = `node-to-site:${SITE}`;
  const a = (path: string, status: ObservedAnalysis['status'], extra: Partial<ObservedAnalysis> = {}): ObservedAnalysis => ({ path, status, ...extra });
  const read = (...analyses: ObservedAnalysis[]) => readReachability(check, { clusterId: 'a', checkId: 'v1', analyses }, topo);

  test.each([
    { condition: 'no analysis yet', analyses: [], verdict: { kind: 'PENDING', missing: ['internet-to-node', SITE_PATH] } },
    { condition: 'one running, one not started', analyses: [a('internet-to-node', 'running')], verdict: { kind: 'PENDING', missing: [SITE_PATH] } },
    {
      condition: 'one running while the other failed (a running one wins: the failure may be a restart)',
      analyses: [a('internet-to-node', 'running'), a(SITE_PATH, 'failed', { message: 'boom' })],
      verdict: { kind: 'PENDING', missing: [] },
    },
    { condition: 'one finished, one not started', analyses: [a('internet-to-node', 'succeeded', { pathFound: false })], verdict: { kind: 'PENDING', missing: [SITE_PATH] } },
    {
      condition: 'both finished',
      analyses: [a('internet-to-node', 'succeeded', { pathFound: true }), a(SITE_PATH, 'succeeded', { pathFound: false })],
      verdict: { kind: 'DONE', found: ['internet-to-node'], notFound: [SITE_PATH] },
    },
    {
      condition: 'a restart: a failed, a running and a finished analysis of one path (the finished one wins)',
      analyses: [a('internet-to-node', 'failed', { message: 'x' }), a('internet-to-node', 'running'), a('internet-to-node', 'succeeded', { pathFound: false }), a(SITE_PATH, 'succeeded', { pathFound: false })],
      verdict: { kind: 'DONE', found: [], notFound: ['internet-to-node', SITE_PATH] },
    },
    {
      condition: 'a restart still running after a failure (the running one wins)',
      analyses: [a(SITE_PATH, 'failed', { message: 'x' }), a(SITE_PATH, 'running'), a('internet-to-node', 'succeeded', { pathFound: false })],
      verdict: { kind: 'PENDING', missing: [] },
    },
    {
      condition: 'a failed analysis, with and without a message',
      analyses: [a('internet-to-node', 'failed', { message: 'throttled' }), a(SITE_PATH, 'failed')],
      verdict: { kind: 'FAILED', detail: `internet-to-node: throttled; ${SITE_PATH}: failed without a message` },
    },
    {
      condition: 'a succeeded analysis without NetworkPathFound (unknown, like a failure)',
      analyses: [a('internet-to-node', 'succeeded'), a(SITE_PATH, 'succeeded', { pathFound: false })],
      verdict: { kind: 'FAILED', detail: 'internet-to-node: no NetworkPathFound in the answer' },
    },
    {
      condition: 'analyses of another path only',
      analyses: [a('node-to-site:10.0.0.0/8', 'succeeded', { pathFound: true })],
      verdict: { kind: 'PENDING', missing: ['internet-to-node', SITE_PATH] },
    },
  ])('when the check has $condition, it reads as $verdict.kind', ({ analyses, verdict }) => {
    expect(read(...analyses)).toEqual(verdict);
  });
});
