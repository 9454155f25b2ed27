/**
 * The on-call topic from the control-plane stack's output, read with a real DescribeStacks against moto
 * (the CLI's path when the config only gives an e-mail).
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { randomUUID } from 'crypto';
import { AwsClients } from '../../lambdas/actuators/clients';
import { motoClientConfig } from '../../drill/moto';
import { onCallTopicArnFromStack, StackOutputError } from '../../cli/stack-outputs';

const REGION = 'ap-southeast-2'; // a region no other test file uses in the shared moto

function clients(): AwsClients {
  const { endpoint, credentials } = motoClientConfig(process.env.MOTO_ENDPOINT!, REGION);
  return new AwsClients({ endpoint, credentials, random: () => 0 });
}

async function createStack(name: string, outputs: Record<string, unknown>): Promise<void> {
  const cfn = new CloudFormationClient(motoClientConfig(process.env.MOTO_ENDPOINT!, REGION));
  const template = { Resources: { OnCallTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `oncall-${name}` } } }, Outputs: outputs };
  await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }));
  cfn.destroy();
}

describe('onCallTopicArnFromStack', () => {
  test('when the control-plane stack publishes OnCallTopicArn, it returns that ARN', async () => {
    // GIVEN: a deployed stack whose output is the topic it created
    const name = `cp-${randomUUID().slice(0, 8)}`;
    await createStack(name, { OnCallTopicArn: { Value: { Ref: 'OnCallTopic' }, Description: 'on-call notifications' } });
    // WHEN
    const arn = await onCallTopicArnFromStack(clients(), REGION, name);
    // THEN
    expect(arn).toMatch(new RegExp(`^arn:aws:sns:${REGION}:\\d{12}:oncall-${name}$`));
  });

  test('when the stack has no such output, it says so and names the flag to pass instead', async () => {
    // GIVEN
    const name = `cp-${randomUUID().slice(0, 8)}`;
    await createStack(name, {});
    // WHEN / THEN
    await expect(onCallTopicArnFromStack(clients(), REGION, name)).rejects.toThrow(
      new StackOutputError(`stack ${name} in ${REGION} has no OnCallTopicArn output (is it deployed from this version?). Pass --topic-arn ARN or set SEEDSHIELD_TOPIC_ARN`),
    );
  });

  test('when the stack does not exist, it fails with the API error and the flag to pass instead', async () => {
    // GIVEN / WHEN
    const failure = onCallTopicArnFromStack(clients(), REGION, 'no-such-stack');
    // THEN
    await expect(failure).rejects.toBeInstanceOf(StackOutputError);
    await expect(failure).rejects.toThrow(/^cannot read stack no-such-stack in ap-southeast-2 for the on-call topic \(.+\)\. Pass --topic-arn ARN or set SEEDSHIELD_TOPIC_ARN$/);
  });
});
