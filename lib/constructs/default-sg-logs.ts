import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeControl } from '../control-tower';

/** Construct id of the stack-level provider `ec2.Vpc` creates for `restrictDefaultSecurityGroup` (aws-cdk-lib). */
const DEFAULT_SG_PROVIDER_ID = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

/**
 * Gives the Lambda behind `ec2.Vpc`'s `restrictDefaultSecurityGroup` custom resource a KMS-encrypted log group
 * with retention, like every other log group of the app. CDK's provider takes no log group prop, so its
 * function's `LoggingConfig.LogGroup` is set to one we create: the function then never falls back to an
 * unencrypted, never-expiring `/aws/lambda/<name>` group.
 *
 * Call after the VPC is created; a no-op when the stack has no such provider.
 * @returns the log group, or undefined when there is no provider
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-loggingconfig.html
 */
export function encryptDefaultSecurityGroupHandlerLogs(scope: Construct, key: kms.IKey): logs.LogGroup | undefined {
  const stack = Stack.of(scope);
  const provider = stack.node.tryFindChild(DEFAULT_SG_PROVIDER_ID);
  const handler = provider?.node.tryFindChild('Handler') as CfnResource | undefined;
  if (!handler || handler.cfnResourceType !== 'AWS::Lambda::Function') return undefined;
  const logGroup = new logs.LogGroup(scope, 'DefaultSgHandlerLogs', {
    retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: key,
    // Like the other log groups: a stack deletion keeps the record (README: teardown says how to remove it).
    removalPolicy: RemovalPolicy.RETAIN,
  });
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName, LogFormat: 'Text' });
  handler.node.addDependency(logGroup);
  acknowledgeControl(
    handler,
    'lambda_inside_vpc_check',
    'CDK\'s own provider for restrictDefaultSecurityGroup: it calls the EC2 API once per deployment to empty the default security group, and reaches nothing private.',
  );
  return logGroup;
}
