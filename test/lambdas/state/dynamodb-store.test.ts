import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ClusterStatus, WorldState } from '../../../lambdas/core/types';
import { DuplicateEventError, StateConflictError } from '../../../lambdas/errors';
import { DynamoDbStateStore } from '../../../lambdas/state/dynamodb-store';
import { motoClientConfig } from '../../../drill/moto';
import { createStateTable } from '../../../drill/world';

const endpoint = process.env.MOTO_ENDPOINT!;

async function freshStore(): Promise<DynamoDbStateStore> {
  const tableName = `state-${Math.random().toString(36).slice(2)}`;
  const raw = new DynamoDBClient(motoClientConfig(endpoint, 'eu-north-1'));
  await createStateTable(raw, tableName);
  return new DynamoDbStateStore({ client: DynamoDBDocumentClient.from(raw), tableName, now: () => 1_800_000_000_000 });
}

function isolate(world: WorldState, id: string): WorldState {
  const c = world.clusters[id];
  return {
    global: { ...world.global, version: world.global.version + 1, recentIsolations: [...world.global.recentIsolations, 1] },
    clusters: { ...world.clusters, [id]: { ...c, version: c.version + 1, status: ClusterStatus.ISOLATING, servingPercent: 0 } },
  };
}

describe('DynamoDbStateStore (against moto)', () => {
  test('when nothing was written, it loads every cluster in service at 100 % with version 0', async () => {
    // GIVEN
    const store = await freshStore();
    // WHEN
    const world = await store.load(['a', 'b']);
    // THEN
    expect(world.clusters.a).toEqual({ clusterId: 'a', version: 0, status: 'IN_SERVICE', servingPercent: 100, signals: {} });
    expect(world.global).toEqual({ version: 0, automationPaused: false, recentIsolations: [] });
  });

  test('when a decision is committed, the changed items, the event marker and the journal are written', async () => {
    // GIVEN
    const store = await freshStore();
    const before = await store.load(['a', 'b']);
    const next = isolate(before, 'a');
    // WHEN
    await store.commit({
      previous: before,
      next,
      eventId: 'evt-1',
      journal: [{ clusterId: 'a', at: '2026-11-24T03:00:00.000Z', effect: { type: 'CUT_INTERNET', id: 'evt-1:1', clusterId: 'a' }, phase: 'PLANNED', eventId: 'evt-1', reason: 'ddos' }],
    });
    // THEN
    const after = await store.load(['a', 'b']);
    expect(after.clusters.a).toMatchObject({ version: 1, status: 'ISOLATING', servingPercent: 0 });
    expect(after.clusters.b.version).toBe(0);
    expect(after.global.version).toBe(1);
    expect(await store.wasApplied('evt-1')).toBe(true);
    expect(await store.journal('a', 10)).toEqual([expect.objectContaining({ phase: 'PLANNED', effect: { type: 'CUT_INTERNET', id: 'evt-1:1', clusterId: 'a' } })]);
  });

  test('when two invocations commit on the same read, the second gets StateConflictError and writes nothing', async () => {
    // GIVEN
    const store = await freshStore();
    const before = await store.load(['a']);
    await store.commit({ previous: before, next: isolate(before, 'a'), eventId: 'evt-1', journal: [] });
    // WHEN
    const second = store.commit({ previous: before, next: isolate(before, 'a'), eventId: 'evt-2', journal: [] });
    // THEN
    await expect(second).rejects.toBeInstanceOf(StateConflictError);
    expect(await store.wasApplied('evt-2')).toBe(false);
    expect((await store.load(['a'])).global.version).toBe(1);
  });

  test('when the same event is committed twice, the second gets DuplicateEventError', async () => {
    // GIVEN
    const store = await freshStore();
    const before = await store.load(['a']);
    await store.commit({ previous: before, next: isolate(before, 'a'), eventId: 'evt-1', journal: [] });
    const reread = await store.load(['a']);
    // WHEN
    const replay = store.commit({ previous: reread, next: isolate(reread, 'a'), eventId: 'evt-1', journal: [] });
    // THEN
    await expect(replay).rejects.toBeInstanceOf(DuplicateEventError);
    expect((await store.load(['a'])).clusters.a.version).toBe(1);
  });

  test('when an outcome is recorded, the journal entry carries its phase and result', async () => {
    // GIVEN
    const store = await freshStore();
    const before = await store.load(['a']);
    const entry = { clusterId: 'a', at: '2026-11-24T03:00:00.000Z', effect: { type: 'CUT_INTERNET' as const, id: 'e:1', clusterId: 'a' }, phase: 'PLANNED' as const, eventId: 'e', reason: 'r' };
    await store.commit({ previous: before, next: isolate(before, 'a'), eventId: 'e', journal: [entry] });
    // WHEN
    await store.recordOutcome({ ...entry, phase: 'DONE', result: { isolation: { revokedIngress: [{ groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' }] } } });
    // THEN
    const [journal] = await store.journal('a', 5);
    expect(journal.phase).toBe('DONE');
    expect(journal.result).toEqual({ isolation: { revokedIngress: [{ groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 9876, toPort: 9876, cidrIpv4: '0.0.0.0/0' }] } });
  });

  test('when DynamoDB cancels the transaction for a TransactionConflict, it is reported as a StateConflictError (retry on fresh state)', async () => {
    // GIVEN: a client that answers like DynamoDB when two transactions touch the same item at once
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }],
    });
    const client = { send: async () => Promise.reject(conflict) } as unknown as DynamoDBDocumentClient;
    const store = new DynamoDbStateStore({ client, tableName: 't' });
    const before: WorldState = { global: { version: 0, automationPaused: false, recentIsolations: [] }, clusters: { a: { clusterId: 'a', version: 0, status: ClusterStatus.IN_SERVICE, servingPercent: 100, signals: {} } } };
    // WHEN
    const commit = store.commit({ previous: before, next: isolate(before, 'a'), eventId: 'e', journal: [] });
    // THEN
    await expect(commit).rejects.toBeInstanceOf(StateConflictError);
  });
});
