/**
 * Item layout of the `seedshield-state` DynamoDB table (partition key `pk`, sort key `sk`, both strings).
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | cluster state | `CLUSTER#<id>` | `STATE` | `version` (N), `status` (S), `servingPercent` (N), `state` (M: the whole ClusterState) |
 * | global state | `GLOBAL` | `STATE` | `version` (N), `state` (M: GlobalState) |
 * | journal entry | `CLUSTER#<id>` | `JOURNAL#<iso time>#<effect id>` | `effect` (M), `phase` (S), `result` (M) |
 * | processed event | `EVENT#<event id>` | `EVENT` | `expiresAt` (N, TTL) |
 *
 * `status` and `servingPercent` are copied to top-level attributes so readers that only need the DNS share
 * (the DNS custom resource, dashboards) do not parse the whole state map. A missing cluster item means the
 * control plane never touched that cluster: IN_SERVICE at 100 %.
 */

/** Partition key of a cluster's items. */
export const clusterPk = (clusterId: string) => `CLUSTER#${clusterId}`;
/** Sort key of a state item (cluster or global). */
export const STATE_SK = 'STATE';
/** Partition key of the global state item. */
export const GLOBAL_PK = 'GLOBAL';
/** Sort key of a journal entry; sorts by time within the cluster. */
export const journalSk = (isoTime: string, effectId: string) => `JOURNAL#${isoTime}#${effectId}`;
/** Partition key of a processed-event marker. */
export const eventPk = (eventId: string) => `EVENT#${eventId}`;
export const EVENT_SK = 'EVENT';
/** TTL attribute name (processed-event markers expire). */
export const TTL_ATTRIBUTE = 'expiresAt';
