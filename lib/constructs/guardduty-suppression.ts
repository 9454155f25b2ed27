import { Token } from 'aws-cdk-lib';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import { Construct } from 'constructs';
import { CLUSTER_TAG_KEY } from '../config/naming';
import { ValidationError } from '../errors';

/** Props of {@link GuardDutySuppression}. */
export interface GuardDutySuppressionProps {
  /** The cluster whose instances the filter covers (their `seedshield:cluster` tag value). */
  readonly clusterId: string;
  /**
   * The regional GuardDuty detector the cluster's instances report to. Synth does no lookups: it comes from
   * `protection.guardDuty.detectors.<region>.detectorId`.
   */
  readonly detectorId: string;
  /**
   * Exact finding types to archive. Only types the finding policy classifies as expected on a blockchain node
   * (see `suppressedFindingTypes`): an archived finding reaches nobody, not even the SNS topic.
   */
  readonly findingTypes: readonly string[];
  /**
   * Position of the filter among the detector's filters (1-100). Clusters sharing a region share a detector,
   * so each gets its own rank.
   * @default 1
   */
  readonly rank?: number;
}

/**
 * A GuardDuty suppression rule (`AWS::GuardDuty::Filter`, action ARCHIVE) for the findings GuardDuty documents
 * as possibly expected on a blockchain node, scoped to one cluster's tagged instances.
 *
 * GuardDuty archives matching findings as they are generated and does not send them to EventBridge, so they
 * reach nobody: only noise for a seed node belongs here; attack-on-us and compromise types never do. The
 * criteria AND their conditions; `tags.key` and `tags.value` are matched independently of each other, which is
 * safe here because the key is seedshield's own and the value is this cluster's id.
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/findings_suppression-rule.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-guardduty-filter.html
 */
export class GuardDutySuppression extends Construct {
  /** The filter. */
  public readonly filter: guardduty.CfnFilter;

  constructor(scope: Construct, id: string, props: GuardDutySuppressionProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.detectorId) && !/^[A-Za-z0-9]{1,300}$/.test(props.detectorId)) {
      throw new ValidationError(`detectorId must be a GuardDuty detector id (letters and digits), got: ${props.detectorId}`, this);
    }
    if (props.findingTypes.length === 0) {
      throw new ValidationError('findingTypes must name at least one finding type to archive, got: []', this);
    }
    const wildcard = props.findingTypes.find((t) => t.includes('*'));
    if (wildcard !== undefined) {
      throw new ValidationError(`findingTypes must be exact finding types (a GuardDuty filter has no prefix match), got: ${wildcard}`, this);
    }
    const rank = props.rank ?? 1;
    if (!Number.isInteger(rank) || rank < 1 || rank > 100) {
      throw new ValidationError(`rank must be a whole number from 1 to 100, got: ${rank}`, this);
    }
    this.filter = new guardduty.CfnFilter(this, 'Resource', {
      detectorId: props.detectorId,
      name: `seedshield-${props.clusterId}-expected-blockchain-activity`,
      description: `seedshield: archive findings GuardDuty documents as possibly expected on a blockchain node, on cluster ${props.clusterId} instances only`,
      action: 'ARCHIVE',
      rank,
      findingCriteria: {
        // Criterion is a free-form JSON map in CloudFormation: condition names are written as the API spells them.
        criterion: {
          type: { Eq: [...props.findingTypes] },
          'resource.resourceType': { Eq: ['Instance'] },
          'resource.instanceDetails.tags.key': { Eq: [CLUSTER_TAG_KEY] },
          'resource.instanceDetails.tags.value': { Eq: [props.clusterId] },
        },
      },
    });
  }
}
