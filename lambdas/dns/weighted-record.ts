/**
 * The logic of the `Custom::SeedshieldWeightedRecord` custom resource: writes one cluster's weighted record
 * set(s) with the weight the control plane would give it NOW, so a `cdk deploy` never undoes an isolation
 * or a restore ramp.
 *
 * It shares the control plane's Route 53 actuator (listing, one atomic change batch, the SDK's INSYNC waiter)
 * and its state store (the serving levels), so a deploy reads and writes exactly as the control plane does.
 *
 * The CloudFormation protocol, as this resource follows it
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html and
 * crpg-ref-responses.html):
 * - the physical id names what was written (`<zone>/<name>/<setIdentifier>`); a Create that wrote nothing
 *   answers with a `failed/<LogicalResourceId>` id, and a Delete acts on its physical id only, so the rollback
 *   Delete of a failed Create never touches a record another resource wrote;
 * - every Delete of something that is not there (no record, no zone, a `failed/` id) succeeds: CloudFormation
 *   needs a successful answer to every Delete, or the rollback ends in ROLLBACK_FAILED;
 * - an Update rollback is an Update with the old properties: it simply writes the old record again.
 *
 * Every function takes its clients as arguments (no module-level clients), so the tests run the real code
 * against moto.
 */
import type { ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as z from '../zod';
import { clusterParameterName } from '../../lib/config/naming';
import { awsErrorCode } from '../actuators/aws-call';
import type { Route53WeightActuator } from '../actuators/route53';
import { effectiveWeights, WeightInvariantError } from '../core/weights';
import { ActuatorError, BadEventError, DnsSafetyError, ResourceDiscoveryError } from '../errors';
import { fieldProblem } from '../events/field-problem';
import type { StateStore } from '../state/store';

/** One seed cluster's share in the weighted group: its id and configured weight. */
export interface BaseWeight {
  readonly id: string;
  readonly baseWeight: number;
}

/** What one custom resource writes, parsed from its (string-typed) CloudFormation properties. */
export interface WeightedRecordSpec {
  readonly hostedZoneId: string;
  /** Fully qualified record name, lower case, no trailing dot. */
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

/** What the custom resource works with: the control plane's actuator and store, and SSM per region. */
export interface DnsRecordDeps {
  /** The control plane's Route 53 actuator. */
  readonly route53: Route53WeightActuator;
  /** The control plane's state store, on the table the properties name. */
  readonly store: (tableName: string) => StateStore;
  /** An SSM client for `region` (aws clusters publish their NLB addresses in their own region). */
  readonly ssm: (region: string) => SSMClient;
}

/** Per-request limits and progress. */
export interface RequestControl {
  /**
   * Longest INSYNC wait, in ms (the handler derives it from the time the function has left).
   * @default - the actuator's own bound
   */
  readonly maxWaitMs?: number;
  /**
   * Aborted when the handler's deadline comes: no change batch is submitted after it.
   * @default - none
   */
  readonly abortSignal?: AbortSignal;
  /**
   * Set by the request once Route 53 accepted a change batch: from then on the record exists even if the
   * request fails (the INSYNC wait, the answer), and a failed Create must answer with the record's id so the
   * rollback Delete removes it.
   */
  submitted?: boolean;
}

/** The outcome of an upsert, for the custom resource's `Data` and the log. */
export interface UpsertResult {
  readonly weight: number;
  readonly changeId: string;
  readonly recordTypes: readonly RRType[];
}

const PHYSICAL_ID = /^([^/]+)\/([^/]+)\/([^/]+)$/;

/** The stable PhysicalResourceId: `<zone>/<name>/<setIdentifier>`. */
export function physicalResourceId(spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>): string {
  return `${spec.hostedZoneId}/${spec.recordName}/${spec.setIdentifier}`;
}

/** The physical id of a Create that wrote nothing: a Delete of it has nothing to remove. */
export function failedPhysicalResourceId(logicalResourceId: string): string {
  return `failed/${logicalResourceId}`;
}

/** The record set a physical id names, or undefined when it names none (a `failed/` id, anything else). */
export function parsePhysicalResourceId(id: string | undefined): Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'> | undefined {
  const m = PHYSICAL_ID.exec(id ?? '');
  if (!m || m[1] === 'failed') return undefined;
  return { hostedZoneId: m[1], recordName: m[2], setIdentifier: m[3] };
}

// CloudFormation passes every custom resource property as a string: integers arrive as "60".
const integer = z.pipe(
  z.pipe(z.union([z.number(), z.string().check(z.regex(/^-?\d+$/, 'must be an integer'))]), z.transform(Number)),
  z.number().check(z.int('must be an integer')),
);
const nonEmpty = z.string('must be a non-empty string').check(z.minLength(1, 'must be a non-empty string'));

/** The custom resource's properties as CloudFormation sends them. @internal */
export const WeightedRecordPropertiesSchema = z.object({
  HostedZoneId: nonEmpty,
  RecordName: nonEmpty,
  TtlSeconds: integer,
  SetIdentifier: nonEmpty,
  HealthCheckId: z.optional(z.string()),
  ClusterId: nonEmpty,
  ClusterKind: z.enum(['aws', 'external'], 'must be "aws" or "external"'),
  ClusterRegion: z.optional(nonEmpty),
  Ipv4Addresses: z._default(z.array(z.string(), 'must be a list of strings'), []),
  Ipv6Addresses: z._default(z.array(z.string(), 'must be a list of strings'), []),
  BaseWeights: z.array(z.object({ Id: nonEmpty, BaseWeight: integer }), 'must be a non-empty list').check(z.minLength(1, 'must be a non-empty list')),
  StateTableName: nonEmpty,
});

/**
 * Parses the custom resource's properties.
 * @throws BadEventError naming the property, the rule and the value received
 */
export function parseProperties(props: Record<string, unknown>): WeightedRecordSpec {
  const parsed = WeightedRecordPropertiesSchema.safeParse(props);
  if (!parsed.success) {
    throw new BadEventError(`custom resource property ${fieldProblem(parsed.error, props, [], '(properties)')}`, { cause: parsed.error });
  }
  const p = parsed.data;
  const spec: WeightedRecordSpec = {
    hostedZoneId: p.HostedZoneId,
    recordName: p.RecordName.replace(/\.$/, '').toLowerCase(),
    ttlSeconds: p.TtlSeconds,
    setIdentifier: p.SetIdentifier,
    healthCheckId: p.HealthCheckId ? p.HealthCheckId : undefined,
    clusterId: p.ClusterId,
    clusterKind: p.ClusterKind,
    clusterRegion: p.ClusterRegion,
    ipv4Addresses: p.Ipv4Addresses,
    ipv6Addresses: p.Ipv6Addresses,
    baseWeights: p.BaseWeights.map((w) => ({ id: w.Id, baseWeight: w.BaseWeight })),
    stateTableName: p.StateTableName,
  };
  if (spec.clusterKind === 'aws' && !spec.clusterRegion) {
    throw new BadEventError(`custom resource property ClusterRegion must name the region of aws cluster ${spec.clusterId}, got: nothing`);
  }
  if (!spec.baseWeights.some((w) => w.id === spec.clusterId)) {
    throw new BadEventError(`custom resource property BaseWeights must include the record's own cluster ${spec.clusterId}, got: ${spec.baseWeights.map((w) => w.id).join(', ')}`);
  }
  if (spec.clusterKind === 'external' && spec.ipv4Addresses.length === 0) {
    throw new BadEventError(`custom resource property Ipv4Addresses must list the endpoints of external cluster ${spec.clusterId}, got: []`);
  }
  return spec;
}

/**
 * The record values: for an aws cluster the NLB's EIP addresses, read from the SSM parameter the cluster
 * stack publishes in the cluster's region; for an external cluster the configured endpoints.
 */
export async function readRecordValues(spec: WeightedRecordSpec, deps: Pick<DnsRecordDeps, 'ssm'>): Promise<{ A: string[]; AAAA: string[] }> {
  if (spec.clusterKind === 'external') return { A: [...spec.ipv4Addresses], AAAA: [...spec.ipv6Addresses] };
  const name = clusterParameterName(spec.clusterId, 'nlbAddresses');
  let value: string | undefined;
  try {
    const out = await deps.ssm(spec.clusterRegion!).send(new GetParameterCommand({ Name: name }));
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
 * This record's weight now: {@link effectiveWeights} over every cluster's base weight and the serving level
 * the control plane's store holds (a cluster it never touched serves 100 %).
 */
export async function currentWeight(spec: WeightedRecordSpec, store: StateStore): Promise<number> {
  const world = await store.load(spec.baseWeights.map((w) => w.id));
  try {
    const inputs = spec.baseWeights.map((w) => ({ id: w.id, baseWeight: w.baseWeight, servingPercent: world.clusters[w.id].servingPercent }));
    const weights = effectiveWeights(inputs);
    return weights[spec.clusterId];
  } catch (err) {
    if (err instanceof WeightInvariantError) throw new DnsSafetyError(`refusing to write ${spec.recordName}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The record sets of this set identifier that exist now (A and/or AAAA), with their exact current values. */
async function ownRecordSets(spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>, route53: Route53WeightActuator): Promise<ResourceRecordSet[]> {
  return (await route53.recordSets(spec.hostedZoneId, spec.recordName)).filter((rrs) => rrs.SetIdentifier === spec.setIdentifier);
}

const codeOf = (err: unknown): string | undefined => awsErrorCode(err instanceof ActuatorError ? err.cause : err);

/**
 * Create/Update: UPSERTs this cluster's record set(s) with its current effective weight, in one change batch
 * that also DELETEs a record type this set identifier no longer has (an external cluster that lost its
 * IPv6 endpoint), then waits for INSYNC.
 */
export async function upsertWeightedRecord(spec: WeightedRecordSpec, deps: DnsRecordDeps, control: RequestControl = {}): Promise<UpsertResult> {
  const values = await readRecordValues(spec, deps);
  const weight = await currentWeight(spec, deps.store(spec.stateTableName));
  const wanted = (['A', 'AAAA'] as const).filter((t) => values[t].length > 0);
  const stale = (await ownRecordSets(spec, deps.route53)).filter((rrs) => !wanted.includes(rrs.Type as 'A' | 'AAAA'));
  // The deadline may have come while we read: then CloudFormation has its answer and nothing may be written.
  control.abortSignal?.throwIfAborted();
  const submitted = await deps.route53.submit(
    spec.hostedZoneId,
    [
      // DELETEs first: Route 53 applies the batch atomically in any order, but moto 5.2 deletes every
      // type of a SetIdentifier on DELETE, so the UPSERTs must come after to be testable there.
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
    `seedshield deploy: ${spec.setIdentifier} weight ${weight}`,
  );
  control.submitted = true;
  if (submitted.status !== 'INSYNC') await deps.route53.waitForChange(submitted.changeId, { maxWaitMs: control.maxWaitMs, abortSignal: control.abortSignal });
  return { weight, changeId: submitted.changeId, recordTypes: wanted };
}

/** How many times a Delete re-reads and retries when the record changed between its read and its write. */
const DELETE_ATTEMPTS = 4;

/**
 * Delete: removes this set identifier's record sets as they are NOW. A DELETE must match the current values,
 * and the control plane may change the weight at any moment (even between our read and our write: Route 53
 * then answers InvalidChangeBatch), so a refused DELETE is re-read and retried. Already gone, or the zone
 * gone, is success.
 */
export async function deleteWeightedRecord(
  spec: Pick<WeightedRecordSpec, 'hostedZoneId' | 'recordName' | 'setIdentifier'>,
  route53: Route53WeightActuator,
  control: RequestControl = {},
): Promise<string | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    let existing: ResourceRecordSet[];
    try {
      existing = await ownRecordSets(spec, route53);
    } catch (err) {
      // No zone, no record: what a Delete wants (a rollback after the zone itself failed, a zone deleted by hand).
      if (codeOf(err) === 'NoSuchHostedZone') return undefined;
      throw err;
    }
    if (existing.length === 0) return undefined;
    control.abortSignal?.throwIfAborted();
    try {
      const submitted = await route53.submit(
        spec.hostedZoneId,
        existing.map((rrs) => ({ Action: 'DELETE' as const, ResourceRecordSet: rrs })),
        `seedshield delete: ${spec.setIdentifier}`,
      );
      if (submitted.status !== 'INSYNC') await route53.waitForChange(submitted.changeId, { maxWaitMs: control.maxWaitMs, abortSignal: control.abortSignal });
      return submitted.changeId;
    } catch (err) {
      // The record changed (a weight flip) or went (an operator, a concurrent rollback) since we read it.
      if (codeOf(err) !== 'InvalidChangeBatch' || attempt >= DELETE_ATTEMPTS) throw err;
    }
  }
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
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
}

/**
 * Carries out one custom resource request. Create and Update UPSERT (a new physical id on Update, i.e. a new
 * zone or name, makes CloudFormation send a Delete for the old record afterwards); Delete removes the record
 * sets its physical id names, and nothing else.
 */
export async function applyCustomResourceEvent(event: WeightedRecordEvent, deps: DnsRecordDeps, control: RequestControl = {}): Promise<CustomResourceOutcome> {
  if (event.RequestType === 'Delete') {
    const target = parsePhysicalResourceId(event.PhysicalResourceId);
    // A failed Create's id: this resource wrote nothing, whatever a record of the same name holds now.
    if (!target) return { physicalResourceId: event.PhysicalResourceId ?? 'none', data: {} };
    const changeId = await deleteWeightedRecord(target, deps.route53, control);
    return { physicalResourceId: event.PhysicalResourceId!, data: changeId ? { ChangeId: changeId } : {} };
  }
  const spec = parseProperties(event.ResourceProperties);
  const result = await upsertWeightedRecord(spec, deps, control);
  return {
    physicalResourceId: physicalResourceId(spec),
    data: { Weight: String(result.weight), ChangeId: result.changeId, RecordTypes: result.recordTypes.join(',') },
  };
}
