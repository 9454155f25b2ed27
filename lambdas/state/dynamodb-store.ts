/**
 * {@link StateStore} on the `seedshield-state` DynamoDB table (item layout: ./keys.ts).
 *
 * Every decision is committed with ONE TransactWriteItems: each changed state item conditional on the
 * version that was read, the processed-event marker conditional on not existing, and the journal entries.
 * Two concurrent invocations can therefore never both act on the same cluster: the second one's
 * transaction is cancelled and it re-reads and decides again on the new state.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ClusterState, GlobalState, WorldState } from '../core/types';
import { DuplicateEventError, StateConflictError } from '../errors';
import { clusterPk, EVENT_SK, eventPk, GLOBAL_PK, journalSk, STATE_SK, TTL_ATTRIBUTE } from './keys';
import { initialClusterState, initialGlobalState } from '../core/initial-state';
import { changedItems, JournalEntry, StateCommit, StateStore } from './store';

/** Processed-event markers outlive any plausible EventBridge redelivery (24 h retries) with margin. */
const EVENT_MARKER_TTL_SECONDS = 7 * 24 * 3600;

/** DynamoDB transactions take at most 100 items; journal entries beyond that are written afterwards. */
const MAX_TRANSACTION_ITEMS = 100;

/** Options of {@link DynamoDbStateStore}. */
export interface DynamoDbStateStoreProps {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Clock for TTLs (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** The DynamoDB-backed state store. */
export class DynamoDbStateStore implements StateStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #now: () => number;

  constructor(props: DynamoDbStateStoreProps) {
    this.#client = props.client;
    this.#table = props.tableName;
    this.#now = props.now ?? Date.now;
  }

  async load(clusterIds: readonly string[]): Promise<WorldState> {
    const keys = [{ pk: GLOBAL_PK, sk: STATE_SK }, ...clusterIds.map((id) => ({ pk: clusterPk(id), sk: STATE_SK }))];
    const items: Record<string, any>[] = [];
    // BatchGet takes 100 keys per call; UnprocessedKeys are retried until empty.
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, any> | undefined = { [this.#table]: { Keys: keys.slice(i, i + 100), ConsistentRead: true } };
      while (request && Object.keys(request).length > 0) {
        const out: { Responses?: Record<string, Record<string, any>[]>; UnprocessedKeys?: Record<string, any> } = await this.#client.send(
          new BatchGetCommand({ RequestItems: request }),
        );
        items.push(...(out.Responses?.[this.#table] ?? []));
        request = out.UnprocessedKeys;
      }
    }
    const byPk = new Map(items.map((item) => [item.pk as string, item]));
    const clusters: Record<string, ClusterState> = {};
    for (const id of clusterIds) {
      const item = byPk.get(clusterPk(id));
      clusters[id] = item ? { ...(item.state as ClusterState), version: item.version as number } : initialClusterState(id);
    }
    const globalItem = byPk.get(GLOBAL_PK);
    const global: GlobalState = globalItem ? { ...(globalItem.state as GlobalState), version: globalItem.version as number } : initialGlobalState();
    return { global, clusters };
  }

  async wasApplied(eventId: string): Promise<boolean> {
    const out = await this.#client.send(new GetCommand({ TableName: this.#table, Key: { pk: eventPk(eventId), sk: EVENT_SK }, ConsistentRead: true }));
    return out.Item !== undefined;
  }

  async commit(commit: StateCommit): Promise<void> {
    const { clusters, global } = changedItems(commit.previous, commit.next);
    const stateWrites = [
      ...clusters.map((c) =>
        this.#versionedPut(clusterPk(c.clusterId), commit.previous.clusters[c.clusterId]?.version ?? 0, c, {
          status: c.status,
          servingPercent: c.servingPercent,
        }),
      ),
      ...(global ? [this.#versionedPut(GLOBAL_PK, commit.previous.global.version, global, {})] : []),
    ];
    const marker = {
      Put: {
        TableName: this.#table,
        Item: { pk: eventPk(commit.eventId), sk: EVENT_SK, [TTL_ATTRIBUTE]: Math.floor(this.#now() / 1000) + EVENT_MARKER_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const journalPuts = commit.journal.map((entry) => ({ Put: { TableName: this.#table, Item: this.#journalItem(entry) } }));
    const room = MAX_TRANSACTION_ITEMS - stateWrites.length - 1;
    const items = [...stateWrites, marker, ...journalPuts.slice(0, room)];
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (err instanceof TransactionCanceledException || (err as Error).name === 'TransactionCanceledException') {
        const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
        if (reasons[stateWrites.length]?.Code === 'ConditionalCheckFailed') {
          throw new DuplicateEventError(`event ${commit.eventId} was already applied`, { cause: err });
        }
        // TransactionConflict: another transaction was writing the same items at that moment (several alarms
        // of one attack arriving together). Same remedy as a lost version race: re-read and decide again.
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
          throw new StateConflictError(`state changed since it was read while applying event ${commit.eventId}`, { cause: err });
        }
      }
      throw err;
    }
    // Journal overflow (only for very large fan-outs): written after the commit, outside the transaction.
    for (const put of journalPuts.slice(room)) {
      await this.#client.send(new UpdateCommand(this.#toUpdate(put.Put.Item)));
    }
  }

  async recordOutcome(entry: JournalEntry): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: clusterPk(entry.clusterId), sk: journalSk(entry.at, entry.effect.id) },
        UpdateExpression: 'SET #phase = :phase, #result = :result',
        ExpressionAttributeNames: { '#phase': 'phase', '#result': 'result' },
        ExpressionAttributeValues: { ':phase': entry.phase, ':result': entry.result ?? {} },
      }),
    );
  }

  async journal(clusterId: string, limit: number): Promise<JournalEntry[]> {
    const out = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': clusterPk(clusterId), ':prefix': 'JOURNAL#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => ({
      clusterId,
      at: item.at,
      effect: item.effect,
      phase: item.phase,
      eventId: item.eventId,
      reason: item.reason,
      result: item.result,
    }));
  }

  #versionedPut(pk: string, expectedVersion: number, state: ClusterState | GlobalState, extra: Record<string, unknown>) {
    const { version, ...body } = state as unknown as { version: number } & Record<string, unknown>;
    return {
      Put: {
        TableName: this.#table,
        Item: { pk, sk: STATE_SK, version, state: stripUndefined(body), ...extra },
        // Version 0 means "never written": the item must not exist yet.
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#v = :expected',
        ...(expectedVersion === 0 ? {} : { ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':expected': expectedVersion } }),
      },
    };
  }

  #journalItem(entry: JournalEntry) {
    return stripUndefined({
      pk: clusterPk(entry.clusterId),
      sk: journalSk(entry.at, entry.effect.id),
      at: entry.at,
      effect: entry.effect,
      phase: entry.phase,
      eventId: entry.eventId,
      reason: entry.reason,
      result: entry.result,
    });
  }

  #toUpdate(item: Record<string, any>) {
    const { pk, sk, ...rest } = item;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(rest).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:v${i}`] = v;
      return `#a${i} = :v${i}`;
    });
    return { TableName: this.#table, Key: { pk, sk }, UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
  }
}

/** DynamoDB rejects `undefined` attribute values; optional fields are simply left out. */
function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
