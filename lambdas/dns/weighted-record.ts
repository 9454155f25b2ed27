/**
 * The logic of the `Custom::SeedshieldWeightedRecord` custom resource: writes one cluster's weighted record
 * set(s) with the weight the control plane would give it NOW, so a `cdk deploy` never undoes an isolation
 * or a restore ramp.
 *
 * Every function takes its SDK clients as arguments (no module-level clients), so the tests run the real
 * code against moto.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  ListResourceRecordSetsCommandOutput,
  ResourceRecordSet,
  Route53Client,
  RRType,
} from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BatchGetCommand, BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clusterParameterName } from '../../lib/config/naming';
import { effectiveWeights, WeightInvariantError } from '../core/weights';
import { BadEventError, DnsSafetyError, ResourceDiscoveryError, SeedshieldError } from '../errors';
import { clusterPk, STATE_SK } from '../state/keys';

/** One seed cluster's share in the weighted group: its id and configured weight. */
export interface BaseWeight {
  readonly id: string;
  readonly baseWeight: number;
}

/** What one custom resource writes, parsed from its (string-typed) CloudFormation properties. */
export interface WeightedRecordSpec {
  readonly hostedZoneId: string;
  /** Fully qualified record name, no trailing dot. */
  readonly recordName: string;
  readonly ttlSeconds: number;
  /** Route 53 SetIdentifier: the cluster id, never changed. */
  readonly setIdentifier: string;
  /** @default - no health check on the record */
  readonly healthCheckId?: string;
  /** The cluster this record set sends peers to. */
  readonly clusterId: string;
  /** `aws`: values are the NLB's EIPs, read from SSM in `clusterRegion`; `external`: values are given. */
  readonly clusterKind: 'aws' | 'external';
  /** Region of an aws cluster (where its SSM parameters live). */
  readonly clusterRegion?: string;
  /** IPv4 endpoints of an external cluster. */
  readonly ipv4Addresses: readonly string[];
  /** IPv6 endpoints of an external cluster (AAAA record when not empty). */
  readonly ipv6Addresses: readonly string[];
  /** Every cluster of the weighted group (this one included), for {@link effectiveWeights}. */
  readonly baseWeights: readonly BaseWeight[];
  /** The control plane's state table (in the Lambda's own region). */
  readonly stateTableName: string;
}

/** The SDK clients the custom resource needs. */
export interface DnsRecordClients {
  readonly route53: Route53Client;
  readonly dynamodb: DynamoDBDocumentClient;
  /** An SSM client for `region` (aws clusters publish their NLB addresses in their own region). */
  readonly ssm: (region: string) => SSMClient;
}

/** Timing of the INSYNC wait. */
export interface WaitOptions {
  /** @default 60000 (one Lambda invocation must end well within its 5 min timeout) */
  readonly timeoutMs?: number;
  /** @default 2000 */
  readonly pollIntervalMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The outcome of an upsert, for the custom resource's `Data` and the log. */
export interface UpsertResult {
  readonly weight: number;
  readonly changeId: string;
  readonly recordTypes: readonly RRType[];
}

/** Route 53 did not report the change INSYNC in time. Retryable: the change itself was accepted. */
export class ChangeNotInSyncError extends SeedshieldError {}

/** The stable PhysicalResourceId: `<zone>/<name>/<setIdentifier>`. */
export function physicalResourceId(spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>): string {
  return `${spec.hostedZoneId}/${spec.recordName}/${spec.setIdentifier}`;
}

const str = (props: Record<string, unknown>, key: string): string => {
  const v = props[key];
  if (typeof v !== 'string' || v.length === 0) throw new BadEventError(`custom resource property ${key} must be a non-empty string, got: ${JSON.stringify(v)}`);
  return v;
};
const num = (props: Record<string, unknown>, key: string, v: unknown = props[key]): number => {
  // CloudFormation passes every custom resource property as a string.
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new BadEventError(`custom resource property ${key} must be an integer, got: ${JSON.stringify(v)}`);
  return n;
};
const strList = (props: Record<string, unknown>, key: string): string[] => {
  const v = props[key] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadEventError(`custom resource property ${key} must be a list of strings, got: ${JSON.stringify(v)}`);
  return v as string[];
};

/** Parses the custom resource's properties (every scalar arrives as a string). */
export function parseProperties(props: Record<string, unknown>): WeightedRecordSpec {
  const kind = str(props, 'ClusterKind');
  if (kind !== 'aws' && kind !== 'external') throw new BadEventError(`custom resource property ClusterKind must be "aws" or "external", got: ${JSON.stringify(kind)}`);
  const rawWeights = props.BaseWeights;
  if (!Array.isArray(rawWeights) || rawWeights.length === 0) throw new BadEventError(`custom resource property BaseWeights must be a non-empty list, got: ${JSON.stringify(rawWeights)}`);
  const baseWeights = rawWeights.map((w: Record<string, unknown>, i) => ({ id: str(w, 'Id'), baseWeight: num(w, `BaseWeights[${i}].BaseWeight`, w.BaseWeight) }));
  const spec: WeightedRecordSpec = {
    hostedZoneId: str(props, 'HostedZoneId'),
    recordName: str(props, 'RecordName').replace(/\.$/, '').toLowerCase(),
    ttlSeconds: num(props, 'TtlSeconds'),
    setIdentifier: str(props, 'SetIdentifier'),
    healthCheckId: typeof props.HealthCheckId === 'string' && props.HealthCheckId !== '' ? props.HealthCheckId : undefined,
    clusterId: str(props, 'ClusterId'),
    clusterKind: kind,
    clusterRegion: kind === 'aws' ? str(props, 'ClusterRegion') : undefined,
    ipv4Addresses: strList(props, 'Ipv4Addresses'),
    ipv6Addresses: strList(props, 'Ipv6Addresses'),
    baseWeights,
    stateTableName: str(props, 'StateTableName'),
  };
  if (!baseWeights.some((w) => w.id === spec.clusterId)) {
    throw new BadEventError(`custom resource property BaseWeights must include the record's own cluster ${spec.clusterId}, got: ${baseWeights.map((w) => w.id).join(', ')}`);
  }
  if (kind === 'external' && spec.ipv4Addresses.length === 0) {
    throw new BadEventError(`custom resource property Ipv4Addresses must list the endpoints of external cluster ${spec.clusterId}, got: []`);
  }
  return spec;
}

/**
 * The record values: for an aws cluster the NLB's EIP addresses, read from the SSM parameter the cluster
 * stack publishes in the cluster's region; for an external cluster the configured endpoints.
 */
export async function readRecordValues(spec: WeightedRecordSpec, clients: DnsRecordClients): Promise<{ A: string[]; AAAA: string[] }> {
  if (spec.clusterKind === 'external') return { A: [...spec.ipv4Addresses], AAAA: [...spec.ipv6Addresses] };
  const name = clusterParameterName(spec.clusterId, 'nlbAddresses');
  let value: string | undefined;
  try {
    const out = await clients.ssm(spec.clusterRegion!).send(new GetParameterCommand({ Name: name }));
    value = out.Parameter?.Value;
  } catch (err) {
    throw new ResourceDiscoveryError(`cannot read ${name} in ${spec.clusterRegion}: deploy the cluster stack ${spec.clusterId} first`, { cause: err });
  }
  const addresses = (value ?? '').split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  if (addresses.length === 0) {
    throw new ResourceDiscoveryError(`${name} in ${spec.clusterRegion} holds no NLB address, got: ${JSON.stringify(value)}`);
  }
  return { A: addresses, AAAA: [] };
}

/**
 * Every cluster's current serving level from the control plane's state table (top-level `servingPercent`
 * of the `CLUSTER#<id>` / `STATE` item). A missing item means the control plane never touched the cluster:
 * 100 %.
 */
export async function readServingPercents(tableName: string, clusterIds: readonly string[], dynamodb: DynamoDBDocumentClient): Promise<Record<string, number>> {
  const percents: Record<string, number> = Object.fromEntries(clusterIds.map((id) => [id, 100]));
  for (let i = 0; i < clusterIds.length; i += 100) {
    let request: Record<string, any> | undefined = {
      [tableName]: {
        Keys: clusterIds.slice(i, i + 100).map((id) => ({ pk: clusterPk(id), sk: STATE_SK })),
        ProjectionExpression: 'pk, servingPercent',
        // A deploy right after an isolation must see it.
        ConsistentRead: true,
      },
    };
    while (request && Object.keys(request).length > 0) {
      const out: BatchGetCommandOutput = await dynamodb.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[tableName] ?? []) {
        const id = String(item.pk).slice(clusterPk('').length);
        if (id in percents && typeof item.servingPercent === 'number') percents[id] = item.servingPercent;
      }
      request = out.UnprocessedKeys;
    }
  }
  return percents;
}

/** This record's weight now: {@link effectiveWeights} over every cluster's base weight and serving level. */
export async function currentWeight(spec: WeightedRecordSpec, dynamodb: DynamoDBDocumentClient): Promise<number> {
  const percents = await readServingPercents(spec.stateTableName, spec.baseWeights.map((w) => w.id), dynamodb);
  try {
    const weights = effectiveWeights(spec.baseWeights.map((w) => ({ id: w.id, baseWeight: w.baseWeight, servingPercent: percents[w.id] })));
    return weights[spec.clusterId];
  } catch (err) {
    if (err instanceof WeightInvariantError) throw new DnsSafetyError(`refusing to write ${spec.recordName}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The record sets of this set identifier that exist now (A and/or AAAA), with their exact current values. */
export async function findRecordSets(spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>, route53: Route53Client): Promise<ResourceRecordSet[]> {
  const found: ResourceRecordSet[] = [];
  const wanted = `${spec.recordName}.`;
  let start: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = { StartRecordName: spec.recordName };
  for (;;) {
    const out: ListResourceRecordSetsCommandOutput = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: spec.hostedZoneId, ...start }));
    const sets = out.ResourceRecordSets ?? [];
    for (const rrs of sets) {
      if (normalizeName(rrs.Name) === wanted && rrs.SetIdentifier === spec.setIdentifier && (rrs.Type === 'A' || rrs.Type === 'AAAA')) found.push(rrs);
    }
    // The listing starts at our name: once another name shows up there is nothing more of ours.
    const pastName = sets.some((rrs) => normalizeName(rrs.Name) !== wanted);
    if (!out.IsTruncated || pastName) return found;
    start = { StartRecordName: out.NextRecordName, StartRecordType: out.NextRecordType, StartRecordIdentifier: out.NextRecordIdentifier };
  }
}

function normalizeName(name: string | undefined): string {
  const n = (name ?? '').toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
}

/** Polls GetChange until INSYNC (every authoritative server answers with the change). */
export async function waitForInSync(route53: Route53Client, changeId: string, options: WaitOptions = {}): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = options.timeoutMs ?? 60000;
  const interval = options.pollIntervalMs ?? 2000;
  for (let waited = 0; ; waited += interval) {
    const out = await route53.send(new GetChangeCommand({ Id: changeId }));
    if (out.ChangeInfo?.Status === 'INSYNC') return;
    if (waited >= timeoutMs) throw new ChangeNotInSyncError(`Route 53 change ${changeId} not INSYNC after ${timeoutMs} ms`);
    await sleep(interval);
  }
}

/**
 * Create/Update: UPSERTs this cluster's record set(s) with its current effective weight, in one change batch
 * that also DELETEs a record type this set identifier no longer has (an external cluster that lost its
 * IPv6 endpoint), then waits for INSYNC.
 */
export async function upsertWeightedRecord(spec: WeightedRecordSpec, clients: DnsRecordClients, wait: WaitOptions = {}): Promise<UpsertResult> {
  const values = await readRecordValues(spec, clients);
  const weight = await currentWeight(spec, clients.dynamodb);
  const wanted = (['A', 'AAAA'] as const).filter((t) => values[t].length > 0);
  const stale = (await findRecordSets(spec, clients.route53)).filter((rrs) => !wanted.includes(rrs.Type as 'A' | 'AAAA'));
  const out = await clients.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: spec.hostedZoneId,
      ChangeBatch: {
        Comment: `seedshield deploy: ${spec.setIdentifier} weight ${weight}`,
        // DELETEs first: Route 53 applies the batch atomically in any order, but moto 5.2 deletes every
        // type of a SetIdentifier on DELETE, so the UPSERTs must come after to be testable there.
        Changes: [
          ...stale.map((rrs) => ({ Action: 'DELETE' as const, ResourceRecordSet: rrs })),
          ...wanted.map((type) => ({
            Action: 'UPSERT' as const,
            ResourceRecordSet: {
              Name: spec.recordName,
              Type: type,
              SetIdentifier: spec.setIdentifier,
              Weight: weight,
              TTL: spec.ttlSeconds,
              ...(spec.healthCheckId ? { HealthCheckId: spec.healthCheckId } : {}),
              ResourceRecords: values[type].map((Value) => ({ Value })),
            },
          })),
        ],
      },
    }),
  );
  const changeId = out.ChangeInfo!.Id!;
  await waitForInSync(clients.route53, changeId, wait);
  return { weight, changeId, recordTypes: wanted };
}

/**
 * Delete: removes this set identifier's record sets as they are NOW (DELETE must match the current values,
 * and the control plane may have changed the weight since the deploy). Already gone is success.
 */
export async function deleteWeightedRecord(spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>, route53: Route53Client, wait: WaitOptions = {}): Promise<string | undefined> {
  const existing = await findRecordSets(spec, route53);
  if (existing.length === 0) return undefined;
  let changeId: string;
  try {
    const out = await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: spec.hostedZoneId,
        ChangeBatch: { Comment: `seedshield delete: ${spec.setIdentifier}`, Changes: existing.map((rrs) => ({ Action: 'DELETE' as const, ResourceRecordSet: rrs })) },
      }),
    );
    changeId = out.ChangeInfo!.Id!;
  } catch (err) {
    // Deleted between our read and our write (an operator, a concurrent rollback): the goal is reached.
    if ((err as { name?: string }).name === 'InvalidChangeBatch' && (await findRecordSets(spec, route53)).length === 0) return undefined;
    throw err;
  }
  await waitForInSync(route53, changeId, wait);
  return changeId;
}

/** The answer the custom resource sends back to CloudFormation. */
export interface CustomResourceOutcome {
  readonly physicalResourceId: string;
  readonly data: Record<string, string>;
}

/** The event fields {@link applyCustomResourceEvent} needs (a CloudFormation custom resource request). */
export interface WeightedRecordEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
}

/**
 * Carries out one custom resource request. Create and Update UPSERT (a replacement, i.e. a new physical id,
 * makes CloudFormation send a Delete for the old record afterwards); Delete removes the record sets.
 */
export async function applyCustomResourceEvent(event: WeightedRecordEvent, clients: DnsRecordClients, wait: WaitOptions = {}): Promise<CustomResourceOutcome> {
  if (event.RequestType === 'Delete') {
    const props = event.ResourceProperties;
    // The properties of a failed Create may be unparseable: nothing was written then, so nothing to delete.
    let spec: WeightedRecordSpec;
    try {
      spec = parseProperties(props);
    } catch (err) {
      if (err instanceof BadEventError) return { physicalResourceId: event.PhysicalResourceId ?? 'invalid', data: {} };
      throw err;
    }
    const changeId = await deleteWeightedRecord(spec, clients.route53, wait);
    return { physicalResourceId: physicalResourceId(spec), data: changeId ? { ChangeId: changeId } : {} };
  }
  const spec = parseProperties(event.ResourceProperties);
  const result = await upsertWeightedRecord(spec, clients, wait);
  return {
    physicalResourceId: physicalResourceId(spec),
    data: { Weight: String(result.weight), ChangeId: result.changeId, RecordTypes: result.recordTypes.join(',') },
  };
}
