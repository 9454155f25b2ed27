import { Annotations, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { ignoredFindingTypes, suppressedFindingTypes } from '../../lambdas/core/finding-policy';
import { Construct } from 'constructs';
import { CLUSTER_TAG_KEY } from '../config/naming';
import { ClusterConfig, SeedshieldConfig } from '../config/schema';
import { SeedCluster, seedClusterPropsFromConfig } from '../constructs/seed-cluster';
import { ClusterEventForwarder } from '../constructs/event-forwarder';
import { GuardDutySuppression } from '../constructs/guardduty-suppression';
import { toFindingRules } from '../config/topology';
import { SiteVpn } from '../constructs/site-vpn';

/** Props of {@link ClusterStack}. */
export interface ClusterStackProps extends StackProps {
  /** The whole validated configuration (sites, nodeos, protection, control plane). */
  readonly config: SeedshieldConfig;
  /** The cluster this stack builds. */
  readonly cluster: ClusterConfig;
}

/**
 * One cloud seed-node cluster, deployed in the cluster's own account and region.
 *
 * Thin: composes the cluster's constructs and nothing else.
 */
export class ClusterStack extends Stack {
  /** The seed-node cluster: VPC, NLB, seed nodes, jumpbox, Shield, alarms. */
  public readonly seedCluster: SeedCluster;
  readonly #availabilityZones: string[];

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    this.#availabilityZones = [...props.cluster.availabilityZones];
    // Every resource carries the cluster id: alarms, IAM conditions and operators all key on it.
    Tags.of(this).add(CLUSTER_TAG_KEY, props.cluster.id);

    this.seedCluster = new SeedCluster(this, 'SeedCluster', seedClusterPropsFromConfig(this, props.config, props.cluster));
    new SiteVpn(this, 'SiteVpn', {
      vpc: this.seedCluster.vpc,
      clusterId: props.cluster.id,
      sites: props.config.sites,
      vpnRouting: props.cluster.vpnRouting,
      amazonSideAsn: props.cluster.amazonSideAsn,
      tunnelLogEncryptionKey: this.seedCluster.logsKey,
    });
    new ClusterEventForwarder(this, 'EventForwarder', {
      clusterId: props.cluster.id,
      controlPlaneAccount: props.config.controlPlane.account,
      controlPlaneRegion: props.config.controlPlane.homeRegion,
      ignoredFindingTypes: ignoredFindingTypes(toFindingRules(props.config)),
      notificationEmail: props.config.controlPlane.notifications.email,
    });
    this.#suppressExpectedFindings(props);
  }

  /** The optional GuardDuty suppression filter on the region's detector, if seedshield owns it. */
  #suppressExpectedFindings(props: ClusterStackProps): void {
    const gd = props.config.protection.guardDuty;
    if (!gd.suppressExpectedFindings) return;
    const region = props.cluster.region;
    // Presence is checked by the config loader; ownership decides whether seedshield may add a filter.
    const detector = gd.detectors[region];
    if (detector === undefined || !detector.ownedBySeedshield) {
      Annotations.of(this).addWarningV2(
        'seedshield:guardDutySuppressionSkipped',
        `protection.guardDuty.detectors.${region} is not owned by seedshield: no suppression filter is created for cluster ${props.cluster.id}. Ask the detector's owner to archive ${suppressedFindingTypes(toFindingRules(props.config)).join(', ')} on instances tagged ${CLUSTER_TAG_KEY}=${props.cluster.id}, or leave them as notify-only findings.`,
      );
      return;
    }
    const types = suppressedFindingTypes(toFindingRules(props.config));
    if (types.length === 0) return; // the config reclassified every suppressible type: nothing to archive
    // Clusters of one region share its detector: each filter needs its own rank.
    const rank = props.config.clusters.filter((c) => c.region === region).findIndex((c) => c.id === props.cluster.id) + 1;
    new GuardDutySuppression(this, 'GuardDutySuppression', {
      clusterId: props.cluster.id,
      detectorId: detector.detectorId,
      findingTypes: types,
      rank,
    });
  }

  /**
   * The cluster's configured zones. Without this override `Vpc` checks its zones against a synth-time
   * lookup, which needs AWS credentials and makes synth depend on the account.
   */
  get availabilityZones(): string[] {
    return [...this.#availabilityZones];
  }
}
