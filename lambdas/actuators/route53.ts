/**
 * Sets the Route 53 weights of the seed record's weighted record sets: one change batch, then wait for INSYNC.
 */
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  waitUntilResourceRecordSetsChanged,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { RuntimeTopology } from '../../lib/config/topology';
import { ActuatorError, DnsSafetyError, ResourceDiscoveryError } from '../errors';
import { awsCall } from './aws-call';

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

/** A change batch Route 53 accepted. */
export interface SubmittedChange {
  readonly changeId: string;
  /** `PENDING` or `INSYNC`, as ChangeResourceRecordSets answered. */
  readonly status: string;
}

/** Options of one INSYNC wait. */
export interface WaitForChangeOptions {
  /**
   * Longest wait, in ms.
   * @default - the actuator's `maxWaitMs`
   */
  readonly maxWaitMs?: number;
  /**
   * Stops the wait early (a caller whose own deadline came).
   * @default - none
   */
  readonly abortSignal?: AbortSignal;
}

/** Route 53 did not report a change INSYNC within the wait. The change was accepted and still propagates. */
export class ChangeNotInSyncError extends ActuatorError {
  override readonly code: string = 'CHANGE_NOT_INSYNC';
}

/** Props of {@link Route53WeightActuator}. */
export interface Route53WeightActuatorProps {
  /**
   * How long to wait for INSYNC in total, in ms. Route 53 usually syncs within 60 s.
   * @default 150000
   */
  readonly maxWaitMs?: number;
  /**
   * First delay between GetChange polls, in ms; the SDK waiter doubles it (with jitter) up to `pollMaxDelayMs`.
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
  readonly #maxWaitMs: number;
  readonly #pollInitialDelayMs: number;
  readonly #pollMaxDelayMs: number;

  constructor(route53: Route53Client, props: Route53WeightActuatorProps = {}) {
    this.#route53 = route53;
    this.#maxWaitMs = props.maxWaitMs ?? 150_000;
    this.#pollInitialDelayMs = props.pollInitialDelayMs ?? 1_000;
    this.#pollMaxDelayMs = props.pollMaxDelayMs ?? 10_000;
  }

  /**
   * The weighted A/AAAA record sets of `topology.dns.recordName` that carry a SetIdentifier, as Route 53 holds them.
   * @throws ActuatorError when Route 53 cannot be read
   */
  async weightedRecordSets(topology: RuntimeTopology): Promise<ResourceRecordSet[]> {
    return (await this.recordSets(topology.dns.hostedZoneId, topology.dns.recordName)).filter((rrs) => rrs.Weight !== undefined);
  }

  /**
   * The A/AAAA record sets of `recordName` in `hostedZoneId` that carry a SetIdentifier, exactly as Route 53
   * holds them (a DELETE must repeat them value for value).
   * @throws ActuatorError when Route 53 cannot be read (`cause` holds the SDK error, e.g. NoSuchHostedZone)
   */
  async recordSets(hostedZoneId: string, recordName: string): Promise<ResourceRecordSet[]> {
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
        if (WEIGHTED_TYPES.has(rrs.Type ?? '') && rrs.SetIdentifier !== undefined) out.push(rrs);
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

    const submitted = await this.submit(
      topology.dns.hostedZoneId,
      upserts.map((rrs) => ({ Action: 'UPSERT', ResourceRecordSet: rrs })),
      `seedshield ${effectId ?? 'weights'}`,
    );
    const changeId = submitted.changeId;
    const polls = submitted.status === 'INSYNC' ? 0 : await this.waitForChange(changeId);
    return { changes, changeId, status: 'INSYNC', polls };
  }

  /**
   * Submits one change batch (Route 53 applies it atomically).
   * @throws ActuatorError when Route 53 refuses it after the SDK's retries (`cause`: e.g. InvalidChangeBatch)
   */
  async submit(hostedZoneId: string, changes: readonly Change[], comment: string): Promise<SubmittedChange> {
    const submitted = await awsCall(`ChangeResourceRecordSets ${hostedZoneId}`, () =>
      this.#route53.send(
        new ChangeResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, ChangeBatch: { Comment: comment.slice(0, 256), Changes: [...changes] } }),
      ),
    );
    const changeId = submitted.ChangeInfo?.Id;
    if (!changeId) throw new ActuatorError('ChangeResourceRecordSets answered without a change id');
    return { changeId, status: submitted.ChangeInfo?.Status ?? 'PENDING' };
  }

  /**
   * Waits until Route 53 reports the change INSYNC (every authoritative server answers with it), with the SDK's
   * own waiter (`waitUntilResourceRecordSetsChanged`: exponential backoff with jitter, bounded by
   * `maxWaitMs`) rather than a loop of our own.
   * @returns the number of GetChange calls made
   * @throws ChangeNotInSyncError when INSYNC does not come in time (or the wait is aborted)
   * @throws ActuatorError when GetChange fails
   * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
   */
  async waitForChange(changeId: string, options: WaitForChangeOptions = {}): Promise<number> {
    const maxWaitMs = options.maxWaitMs ?? this.#maxWaitMs;
    const minDelay = this.#pollInitialDelayMs / 1000;
    // The waiter wants maxWaitTime > minDelay (seconds); a shorter budget still gets its first GetChange.
    const maxWaitTime = Math.max(maxWaitMs / 1000, minDelay * 1.001);
    let result;
    try {
      result = await waitUntilResourceRecordSetsChanged(
        { client: this.#route53, minDelay, maxDelay: Math.max(minDelay, this.#pollMaxDelayMs / 1000), maxWaitTime, abortSignal: options.abortSignal },
        { Id: changeId },
      );
    } catch (cause) {
      const name = (cause as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError' || /ABORTED/.test(String((cause as Error).message))) {
        throw new ChangeNotInSyncError(`change ${changeId} was not INSYNC after ${maxWaitMs} ms; it was submitted and will still propagate`, { cause });
      }
      throw new ActuatorError(`GetChange ${changeId} failed: ${(cause as Error).message}`, { cause });
    }
    return Object.values(result.observedResponses ?? {}).reduce((a, b) => a + b, 0);
  }
}
