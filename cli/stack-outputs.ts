/**
 * Reads what the deployed control-plane stack publishes, for commands whose configuration leaves it out:
 * the on-call topic's ARN when `controlPlane.notifications` gives only an e-mail (the stack then creates the
 * topic, and only its `OnCallTopicArn` output knows the ARN).
 *
 * One CloudFormation `DescribeStacks` call in the home region, with the CLI's client settings
 * (`AWS_ENDPOINT_URL` included, so it works against moto like every other call).
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClients } from '../lambdas/actuators/clients';
import { SeedshieldError } from '../lambdas/errors';
import { stackNames } from '../lib/config/naming';

/** The control-plane stack's output that holds the on-call topic ARN (`CfnOutput` id in ControlPlaneStack). */
export const ON_CALL_TOPIC_OUTPUT = 'OnCallTopicArn';

/** The stack, or its output, cannot be read; the message says which and what to pass instead. */
export class StackOutputError extends SeedshieldError {
  readonly code: string = 'STACK_OUTPUT';
}

/**
 * The on-call topic ARN from the `Seedshield-ControlPlane` stack's outputs in `homeRegion`.
 * @throws StackOutputError when the stack does not exist, cannot be read, or has no such output
 */
export async function onCallTopicArnFromStack(clients: AwsClients, homeRegion: string, stackName: string = stackNames.controlPlane): Promise<string> {
  const cfn = new CloudFormationClient({ region: homeRegion, ...clients.baseConfig() });
  const fix = 'Pass --topic-arn ARN or set SEEDSHIELD_TOPIC_ARN';
  let outputs;
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = res.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    throw new StackOutputError(`cannot read stack ${stackName} in ${homeRegion} for the on-call topic (${(err as Error).name}: ${(err as Error).message}). ${fix}`, { cause: err });
  } finally {
    cfn.destroy();
  }
  const arn = outputs.find((o) => o.OutputKey === ON_CALL_TOPIC_OUTPUT)?.OutputValue;
  if (!arn || !arn.startsWith('arn:')) {
    throw new StackOutputError(`stack ${stackName} in ${homeRegion} has no ${ON_CALL_TOPIC_OUTPUT} output (is it deployed from this version?). ${fix}`);
  }
  return arn;
}
