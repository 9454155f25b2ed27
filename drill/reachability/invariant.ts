/**
 * The drill invariant the reachability model makes possible: what flows exist, per cluster, after every step.
 *
 * - ISOLATED: no internet peer session (new or established before the cut), no NAT egress (internet cut), no
 *   flow to a site (BP cut); NLB health checks, logged operator sessions (jumpbox, jumpbox to node) and the
 *   node agent's metrics still work.
 * - IN_SERVICE with nothing recorded cut (before any isolation, and after RESTORE_COMPLETED), or drained for
 *   lag (out of DNS, nothing cut: it is not attacked): every flow exists.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { ClusterStatus } from '../../lambdas/core/types';
import type { DrillInvariant } from '../invariants';
import { motoClientConfig } from '../moto';
import { evaluateFlows, type FlowKind } from './model';
import { OPEN_WORLD_SNAPSHOTS, readNetworkSnapshot } from './snapshot';

/**
 * Flows every isolation must leave alone: the NLB's health checks (a restore needs them), operator sessions
 * (an isolation is when a compromise is investigated) and the node agent's metrics (the `lagging` alarms and
 * the restore decision read them). The last two go through the cluster's interface VPC endpoints.
 */
export const ALWAYS_ON: readonly FlowKind[] = ['health-check', 'operator-jumpbox', 'operator-node', 'agent-metrics'];

/** What flows exist in moto's VPC matches the cluster's recorded status (see the module comment). */
export const FLOWS_MATCH_STATUS: DrillInvariant = {
  name: 'flows-match-status',
  description: 'ISOLATED: no peer (established included), egress or BP flow, health checks, operator access and node metrics work; IN_SERVICE and uncut: every flow exists',
  check: async (run, s) => {
    const problems: string[] = [];
    const { topology } = run.world;
    const sites = [...topology.siteCidrs.ipv4, ...topology.siteCidrs.ipv6];
    for (const id of run.clusterIds) {
      const c = s.state.clusters[id];
      const world = run.world.clusters[id];
      const baseline = world ? OPEN_WORLD_SNAPSHOTS.get(world) : undefined;
      if (!world || !baseline) continue; // external clusters: DNS is their only lever
      const drained = c.drained === true && !c.job;
      const isolated = c.status === ClusterStatus.ISOLATED && !drained;
      const open = (c.status === ClusterStatus.IN_SERVICE && !c.isolation && !c.job) || drained;
      if (!isolated && !open) continue; // mid-job: the next step's state says what must hold
      const ec2 = new EC2Client(motoClientConfig(run.world.endpoint, world.region));
      try {
        const verdicts = evaluateFlows(await readNetworkSnapshot(ec2, world, sites), baseline);
        for (const v of verdicts) {
          if (open && !v.reachable) problems.push(`${id} is ${drained ? 'drained for lag' : 'IN_SERVICE'} with nothing cut, but flow "${v.name}" does not exist: ${v.blockedBy}`);
          if (!isolated) continue;
          const mustBeCut =
            ((v.kind === 'peer' || v.kind === 'peer-established' || v.kind === 'egress') && topology.policy.cutInternet) ||
            (v.kind === 'bp' && topology.policy.cutBlockProducerPath);
          if (mustBeCut && v.reachable) problems.push(`${id} is ISOLATED but flow "${v.name}" still exists`);
          if (ALWAYS_ON.includes(v.kind) && !v.reachable) problems.push(`${id} is ISOLATED and flow "${v.name}" is cut too: ${v.blockedBy}`);
        }
      } finally {
        ec2.destroy();
      }
    }
    return problems;
  },
};
