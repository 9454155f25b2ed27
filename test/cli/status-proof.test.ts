/**
 * `seedshield status` shows what Reachability Analyzer proved about each isolation (the PROOF column and the
 * `proof` field of --json), against a world in the shared moto. moto has no Reachability Analyzer, so the
 * check an isolation starts cannot start there: the command still succeeds and says so.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsClients } from '../../lambdas/actuators/clients';
import type { ReachabilityCheck } from '../../lambdas/core/types';
import { DynamoDbStateStore } from '../../lambdas/state/dynamodb-store';
import { buildCliWorld, type CliWorld } from './helpers';

describe('seedshield status: proof of isolations with Reachability Analyzer', () => {
  let w: CliWorld;
  let store: DynamoDbStateStore;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    w = await buildCliWorld(process.env.MOTO_ENDPOINT!, 'proof');
    const clients = new AwsClients({ endpoint: process.env.MOTO_ENDPOINT!, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, random: () => 0 });
    documents = clients.dynamoDb(w.world.homeRegion);
    store = new DynamoDbStateStore({ client: documents, tableName: w.world.tableName });
  }, 60_000);

  /** Writes `check` as cluster `id`'s last reachability check, as a reconcile's decision would. */
  async function recordCheck(id: string, check: ReachabilityCheck): Promise<void> {
    const ids = w.world.topology.clusters.map((c) => c.id);
    const previous = await store.load(ids);
    const cluster = previous.clusters[id];
    const next = { ...previous, clusters: { ...previous.clusters, [id]: { ...cluster, version: cluster.version + 1, reachability: check } } };
    await store.commit({ previous, next, eventId: `test:${check.status}`, journal: [] });
  }

  test('when an operator isolates a cluster, the check is pending, and the command succeeds although moto cannot start it', async () => {
    // WHEN
    const out = await w.cli('isolate', w.id('north'), '--reason', 'proof test');
    const table = await w.cli('status');
    const json = await w.status();

    // THEN
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/WARNING VERIFY_REACHABILITY .* expect blocked: INTERNET_TO_NODE, NODE_TO_SITES did not start/);
    expect(out.stdout).toContain('0 failed');
    expect(table.stdout).toMatch(new RegExp(`${w.id('north')}\\s+aws\\s+eu-north-1\\s+ISOLATED\\s+0%.*isolation pending`));
    expect(json.clusters[0].proof).toMatchObject({ of: 'isolation', verdict: 'pending' });
    expect(json.clusters[1].proof).toBeNull();
  }, 60_000);

  test.each([
    ['UNVERIFIED', 'isolation unverified', 'path found: internet-to-node'],
    ['UNKNOWN', 'isolation unknown', 'node-to-site:10.0.0.0/8: InternalError'],
    ['VERIFIED', 'isolation verified', undefined],
  ] as const)('when the last check is %s, status shows "%s"', async (status, shown, detail) => {
    // GIVEN
    await recordCheck(w.id('north'), {
      id: `chk-${status}`,
      expect: 'BLOCKED',
      paths: ['INTERNET_TO_NODE', 'NODE_TO_SITES'],
      startedAt: Date.now() - 600_000,
      status,
      decidedAt: Date.now(),
      detail: detail ?? 'no path: internet-to-node',
    });

    // WHEN
    const table = await w.cli('status');
    const json = await w.status();

    // THEN
    expect(table.stdout).toMatch(new RegExp(`${w.id('north')}\\s+.*${shown}`));
    expect(json.clusters[0].proof).toMatchObject({ of: 'isolation', verdict: status.toLowerCase(), checkId: `chk-${status}` });
    if (detail) expect(table.stdout).toContain(`${w.id('north')}: isolation ${status.toLowerCase()} by Reachability Analyzer: ${detail}`);
    else expect(table.stdout).not.toContain('by Reachability Analyzer');
  }, 60_000);
});
