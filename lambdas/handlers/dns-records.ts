/**
 * Lambda entry point of `Custom::SeedshieldWeightedRecord`: parses the CloudFormation request, runs
 * {@link applyCustomResourceEvent}, and PUTs the answer to the pre-signed ResponseURL.
 *
 * The function is the custom resource's ServiceToken directly (no provider framework): one Lambda, no
 * framework function or state machine. The price is that this handler must ALWAYS answer; the custom
 * resource's ServiceTimeout bounds the wait if the function dies before it can.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { applyCustomResourceEvent, DnsRecordClients } from '../dns/weighted-record';

const logger = new Logger({ serviceName: 'seedshield-dns-records' });

// Route 53 allows 5 requests/s per account and answers PriorRequestNotComplete while another change to the
// zone is in flight; one custom resource per cluster runs in parallel, so give the SDK's throttling retries
// (which cover both codes) room to back off.
const route53 = new Route53Client({ maxAttempts: 10 });
const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ssmByRegion = new Map<string, SSMClient>();
const clients: DnsRecordClients = {
  route53,
  dynamodb,
  ssm: (region) => {
    let c = ssmByRegion.get(region);
    if (!c) ssmByRegion.set(region, (c = new SSMClient({ region })));
    return c;
  },
};

/** Sends the custom resource answer to CloudFormation (the pre-signed S3 URL signs no content type). */
async function respond(event: CloudFormationCustomResourceEvent, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(event.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`CloudFormation response PUT failed: HTTP ${res.status}`);
}

export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
  logger.addContext(context);
  // Never log the event as a whole: its ResponseURL is a bearer credential for this resource's outcome.
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  const priorId = event.RequestType === 'Create' ? undefined : event.PhysicalResourceId;
  try {
    const outcome = await applyCustomResourceEvent(
      { RequestType: event.RequestType, ResourceProperties: event.ResourceProperties, PhysicalResourceId: priorId },
      clients,
      // Stay well inside the function timeout, so a slow INSYNC still gets an answer to CloudFormation.
      { timeoutMs: Math.max(10000, context.getRemainingTimeInMillis() - 30000) },
    );
    logger.info('weighted record applied', { requestType: event.RequestType, physicalResourceId: outcome.physicalResourceId, ...outcome.data });
    await respond(event, { ...base, Status: 'SUCCESS', PhysicalResourceId: outcome.physicalResourceId, Data: outcome.data });
  } catch (err) {
    logger.error('weighted record failed', { requestType: event.RequestType, error: err as Error });
    await respond(event, {
      ...base,
      Status: 'FAILED',
      Reason: `${(err as Error).name}: ${(err as Error).message}`.slice(0, 1000),
      // A failed Create still needs an id; the rollback's Delete then finds nothing and succeeds.
      PhysicalResourceId: priorId ?? `failed/${event.LogicalResourceId}`,
    });
  }
}
