/**
 * Reads the current state of every seedshield cluster alarm, region by region, for the reconcile: a lost or
 * never-delivered alarm event is repaired from here within one reconcile interval.
 */
import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { clusterAlarmPrefix, parseAlarmName } from '../../lib/config/naming';
import type { RuntimeTopology } from '../../lib/config/topology';
import type { AlarmEvent } from '../core/types';
import type { AlarmStateReader } from '../engine';

/** {@link AlarmStateReader} over CloudWatch `DescribeAlarms` (one paginated call per cluster). */
export class CloudWatchAlarmReader implements AlarmStateReader {
  readonly #clientFor: (region: string) => CloudWatchClient;

  /** @param clientFor - returns the (cached) CloudWatch client of a region */
  constructor(clientFor: (region: string) => CloudWatchClient) {
    this.#clientFor = clientFor;
  }

  async read(topology: RuntimeTopology): Promise<Omit<AlarmEvent, 'type' | 'id'>[]> {
    const observed: Omit<AlarmEvent, 'type' | 'id'>[] = [];
    for (const cluster of topology.clusters) {
      if (cluster.kind !== 'aws' || !cluster.region) continue;
      const client = this.#clientFor(cluster.region);
      let nextToken: string | undefined;
      do {
        const out = await client.send(
          new DescribeAlarmsCommand({ AlarmNamePrefix: clusterAlarmPrefix(cluster.id), AlarmTypes: ['MetricAlarm'], NextToken: nextToken }),
        );
        for (const alarm of out.MetricAlarms ?? []) {
          const parsed = toObserved(alarm);
          if (parsed && parsed.clusterId === cluster.id) observed.push(parsed);
        }
        nextToken = out.NextToken;
      } while (nextToken);
    }
    return observed;
  }
}

function toObserved(alarm: MetricAlarm): Omit<AlarmEvent, 'type' | 'id'> | undefined {
  const parsed = alarm.AlarmName ? parseAlarmName(alarm.AlarmName) : undefined;
  const state = alarm.StateValue;
  const timestamp = alarm.StateUpdatedTimestamp?.getTime();
  if (!parsed || !state || timestamp === undefined) return undefined;
  return { clusterId: parsed.clusterId, alarmName: alarm.AlarmName!, kind: parsed.kind, state, stateTimestamp: timestamp };
}
