/**
 * Sets the Route 53 weights of the seed record's weighted record sets: one change batch, then wait for INSYNC.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { RuntimeTopology } from '../../lib/config/topology';
import { ActuatorError, DnsSafetyError, ResourceDiscoveryError } from '../errors';
import { awsCall, realSleep, type Sleep } from './aws-call';

/** One weight the actuator changed. */
export interface WeightChange {
  /** The record's SetIdentifier: the cluster id. */
  readonly setIdentifier: string;
  /** `A` or `AAAA`. */
  readonly type: string;
  readonly oldWeight: number;
  readonly newWeight: number;
}

/** What {@link Route53WeightActuator.setWeights} did. */
export interface SetWeightsResult {
  /** Every record set whose weight changed (empty when every weight was already right). */
  readonly changes: readonly WeightChange[];
  /** Route 53 change id (absent when nothing had to change). */
  readonly changeId?: string;
  /** `INSYNC` once every authoritative server has the change; `UNCHANGED` when no batch was needed. */
  readonly status: 'INSYNC' | 'UNCHANGED';
  /** GetChange calls made while waiting. */
  readonly polls: number;
}

/** Props of {@link Route53WeightActuator}. */
export interface Route53WeightActuatorProps {
  /**
   * Sleep between GetChange polls (tests inject one that returns at once).
   * @default - setTimeout
   */
  readonly sleep?: Sleep;
  /**
   * How long to wait for INSYNC in total (sum of the sleeps), in ms. Route 53 usually syncs within 60 s.
   * @default 150000
   */
  readonly maxWaitMs?: number;
  /**
   * First delay between polls, in ms; doubles up to `pollMaxDelayMs`.
   * @default 1000
   */
  readonly pollInitialDelayMs?: number;
  /**
   * Largest delay between polls, in ms.
   * @default 10000
   */
  readonly pollMaxDelayMs?: number;
}

/** Weighted record types the seed name carries. */
const WEIGHTED_TYPES = new Set(['A', 'AAAA']);

/** Route 53 names: lower case, no trailing dot, `\052` for `*` as the API returns it. @internal */
export function normalizeRecordName(name: string): string {
  return name.replace(/\\052/g, '*').replace(/\.$/, '').toLowerCase();
}

/**
 * Changes the weights of the seed record's weighted A/AAAA record sets (SetIdentifier = cluster id).
 *
 * All changes of one call go in ONE change batch, so Route 53 applies them atomically: a decision that moves
 * traffic from one cluster to the others never leaves a moment where only half of it happened. Records whose
 * weight is already right are left out, so re-running the same effect after a crash submits nothing.
 */
export class Route53WeightActuator {
  readonly #route53: Route53Client;
  readonly #sleep: Sleep;
  readonly #maxWaitMs: number;
  readonly #pollInitialDelayMs: number;
  readonly #pollMaxDelayMs: number;

  constructor(route53: Route53Client, props: Route53WeightActuatorProps = {}) {
    this.#route53 = route53;
    this.#sleep = props.sleep ?? realSleep;
    this.#maxWaitMs = props.maxWaitMs ?? 150_000;
    this.#pollInitialDelayMs = props.pollInitialDelayMs ?? 1_000;
    this.#pollMaxDelayMs = props.pollMaxDelayMs ?? 10_000;
  }

  /**
   * The weighted A/AAAA record sets of `topology.dns.recordName` that carry a SetIdentifier, as Route 53 holds them.
   * @throws ActuatorError when Route 53 cannot be read
   */
  async weightedRecordSets(topology: RuntimeTopology): Promise<ResourceRecordSet[]> {
    const { hostedZoneId, recordName } = topology.dns;
    const wanted = normalizeRecordName(recordName);
    const out: ResourceRecordSet[] = [];
    let start: { name?: string; type?: string; id?: string } = { name: recordName };
    for (;;) {
      const page = await awsCall(`ListResourceRecordSets ${hostedZoneId} ${recordName}`, () =>
        this.#route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as never,
            StartRecordIdentifier: start.id,
          }),
        ),
      );
      let passed = false;
      for (const rrs of page.ResourceRecordSets ?? []) {
        if (normalizeRecordName(rrs.Name ?? '') !== wanted) {
          // Records come sorted by name: once past ours there is nothing more to read.
          if (out.length > 0) passed = true;
          continue;
        }
        if (WEIGHTED_TYPES.has(rrs.Type ?? '') && rrs.SetIdentifier !== undefined && rrs.Weight !== undefined) out.push(rrs);
      }
      if (passed || !page.IsTruncated) return out;
      start = { name: page.NextRecordName, type: page.NextRecordType, id: page.NextRecordIdentifier };
    }
  }

  /** Current weight per set identifier and type (`cluster-a/A`). */
  async currentWeights(topology: RuntimeTopology): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const rrs of await this.weightedRecordSets(topology)) out[`${rrs.SetIdentifier}/${rrs.Type}`] = rrs.Weight ?? 0;
    return out;
  }

  /**
   * Sets the weight of every record set whose SetIdentifier is a key of `weights` (A and AAAA alike), keeping
   * its values, TTL, health check and alias target, then waits until Route 53 reports INSYNC.
   *
   * @param effectId recorded in the change batch comment, so CloudTrail ties the change to its decision
   * @throws DnsSafetyError when a weight is not an integer in 0..255, or when the result would leave every
   *   weighted record of a type at 0 (Route 53 would then answer with all of them, isolated ones included);
   *   checked before any change is submitted
   * @throws ResourceDiscoveryError when a cluster of `weights` has no weighted record set
   * @throws ActuatorError when a call fails after the SDK's retries, or INSYNC does not come within `maxWaitMs`
   */
  async setWeights(weights: Readonly<Record<string, number>>, topology: RuntimeTopology, effectId?: string): Promise<SetWeightsResult> {
    for (const [id, w] of Object.entries(weights)) {
      if (!Number.isInteger(w) || w < 0 || w > 255) {
        throw new DnsSafetyError(`weight of ${id} must be an integer between 0 and 255 inclusive, got: ${w}`);
      }
    }
    const current = await this.weightedRecordSets(topology);
    const found = new Set(current.map((r) => r.SetIdentifier));
    const missing = Object.keys(weights).filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new ResourceDiscoveryError(
        `no weighted A/AAAA record set of ${topology.dns.recordName} in zone ${topology.dns.hostedZoneId} has SetIdentifier ${missing.join(', ')}; deploy the DNS stack first`,
      );
    }

    const changes: WeightChange[] = [];
    const upserts: ResourceRecordSet[] = [];
    const finalByType = new Map<string, number[]>();
    for (const rrs of current) {
      const id = rrs.SetIdentifier as string;
      const oldWeight = rrs.Weight as number;
      const newWeight = Object.prototype.hasOwnProperty.call(weights, id) ? weights[id] : oldWeight;
      const type = rrs.Type as string;
      finalByType.set(type, [...(finalByType.get(type) ?? []), newWeight]);
      if (newWeight !== oldWeight) {
        changes.push({ setIdentifier: id, type, oldWeight, newWeight });
        upserts.push({ ...rrs, Weight: newWeight });
      }
    }
    // Re-checked here, on what Route 53 actually holds, whatever the caller computed.
    for (const [type, ws] of finalByType) {
      if (ws.every((w) => w === 0)) {
        throw new DnsSafetyError(
          `refusing to set every weighted ${type} record of ${topology.dns.recordName} to 0: Route 53 would then answer with all of them, isolated clusters included`,
        );
      }
    }
    if (upserts.length === 0) return { changes, status: 'UNCHANGED', polls: 0 };

    const submitted = await awsCall(`ChangeResourceRecordSets ${topology.dns.hostedZoneId}`, () =>
      this.#route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: topology.dns.hostedZoneId,
          ChangeBatch: {
            Comment: `seedshield ${effectId ?? 'weights'}`.slice(0, 256),
            Changes: upserts.map((rrs) => ({ Action: 'UPSERT', ResourceRecordSet: rrs })),
          },
        }),
      ),
    );
    const changeId = submitted.ChangeInfo?.Id;
    if (!changeId) throw new ActuatorError('ChangeResourceRecordSets answered without a change id');
    let status = submitted.ChangeInfo?.Status;
    let polls = 0;
    let waited = 0;
    let delay = this.#pollInitialDelayMs;
    while (status !== 'INSYNC') {
      if (waited >= this.#maxWaitMs) {
        throw new ActuatorError(
          `change ${changeId} was not INSYNC after ${waited} ms (last status ${status}); it was submitted and will still propagate`,
        );
      }
      const step = Math.min(delay, this.#maxWaitMs - waited);
      await this.#sleep(step);
      waited += step;
      delay = Math.min(delay * 2, this.#pollMaxDelayMs);
      const got = await awsCall(`GetChange ${changeId}`, () => this.#route53.send(new GetChangeCommand({ Id: changeId })));
      polls += 1;
      status = got.ChangeInfo?.Status;
    }
    return { changes, changeId, status: 'INSYNC', polls };
  }
}
