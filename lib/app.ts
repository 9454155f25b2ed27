/**
 * Builds the whole seedshield app from a validated configuration. Shared by `bin/seedshield.ts`, the tests
 * and the benchmarks, so all three synthesize exactly the same stacks.
 */
import { App, AspectPriority, Aspects, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { stackNames } from './config/naming';
import { SeedshieldConfig } from './config/schema';
import { KmsGrantsOnlyForAwsResources } from './constructs/kms-grant-guard';
import { ClusterStack } from './stacks/cluster-stack';
import { ControlPlaneStack } from './stacks/control-plane-stack';
import { DnsStack } from './stacks/dns-stack';

/** The stacks of one seedshield deployment. */
export interface SeedshieldStacks {
  readonly clusters: readonly ClusterStack[];
  readonly dns: DnsStack;
  readonly controlPlane: ControlPlaneStack;
}

/** Options of {@link buildSeedshieldApp}. */
export interface BuildOptions {
  /**
   * Register the cdk-nag packs. Tests that only assert template content switch it off for speed.
   * @default true
   */
  readonly nag?: boolean;
}

/** Adds every seedshield stack for `config` to `app`. */
export function buildSeedshieldApp(app: App, config: SeedshieldConfig, options: BuildOptions = {}): SeedshieldStacks {
  const home = { account: config.controlPlane.account, region: config.controlPlane.homeRegion };
  Tags.of(app).add('app', 'seedshield');
  // Every key, including ones added later: grants only for AWS services acting for their resources (CT.KMS.PR.3).
  Aspects.of(app).add(new KmsGrantsOnlyForAwsResources(), { priority: AspectPriority.MUTATING });

  const controlPlane = new ControlPlaneStack(app, stackNames.controlPlane, {
    env: home,
    config,
    description: 'seedshield control plane: event bus, state table, remediation and reconcile Lambdas',
  });
  const clusters = config.clusters.map(
    (cluster) =>
      new ClusterStack(app, stackNames.cluster(cluster.id), {
        env: { account: cluster.account, region: cluster.region },
        config,
        cluster,
        description: `seedshield seed-node cluster ${cluster.id} (${cluster.region})`,
      }),
  );
  const dns = new DnsStack(app, stackNames.dns, {
    env: home,
    config,
    stateTableKey: controlPlane.controlPlane.key,
    description: 'seedshield public path: weighted Route 53 records and health checks over every seed cluster',
  });
  // The DNS stack reads what the cluster stacks publish (NLB addresses) and what the control plane records.
  clusters.forEach((c) => dns.addStackDependency(c));
  dns.addStackDependency(controlPlane);

  if (options.nag ?? true) {
    // Both packs: AwsSolutions for AWS's own best practices, NIST 800-53 rev 5 for the controls auditors ask
    // about (encryption, retention, alarm actions, least privilege). Findings are errors; each one we accept
    // is acknowledged next to the construct it concerns, with its reason.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
  }
  return { clusters, dns, controlPlane };
}
