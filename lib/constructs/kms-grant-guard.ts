import { IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';

/**
 * Adds to the key policy of every KMS key it visits a statement that denies `kms:CreateGrant` unless an AWS
 * service asks for it on behalf of one of its resources (AWS Control Tower CT.KMS.PR.3).
 *
 * A grant is a second, policy-free way to use a key: whoever may create one can hand the key to any principal.
 * seedshield's keys are used by CloudWatch Logs, SQS, DynamoDB and Lambda, which either need no grant or create
 * it themselves (then `kms:GrantIsForAWSResource` is true); no role of ours calls CreateGrant. The deny takes
 * that door away from every other principal, the account's administrators included.
 *
 * Register it at the app (`Aspects.of(app).add(new KmsGrantsOnlyForAwsResources(), { priority: AspectPriority.MUTATING })`)
 * so a key added later is covered without anyone remembering to.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
 * @see https://docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html
 */
export class KmsGrantsOnlyForAwsResources implements IAspect {
  /** The statement's id in the key policy. */
  static readonly SID = 'DenyGrantsExceptForAwsResources';

  visit(node: IConstruct): void {
    if (!(node instanceof kms.Key)) return;
    node.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: KmsGrantsOnlyForAwsResources.SID,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        // BoolIfExists: a request without the key (a principal that is not a service) counts as "false".
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
  }
}
