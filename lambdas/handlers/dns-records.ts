/**
 * Lambda entry point of `Custom::SeedshieldWeightedRecord`: parses the CloudFormation request, runs
 * {@link applyCustomResourceEvent}, and PUTs exactly ONE answer to the pre-signed ResponseURL.
 *
 * The function is the custom resource's ServiceToken directly (no provider framework): one Lambda, no
 * framework function or state machine. The price is that this handler must ALWAYS answer, and in time:
 * - the work races a deadline (the time the function has left, minus room for the answer); when it comes,
 *   the handler answers FAILED and no change batch is submitted after it;
 * - the answer is computed first and then PUT (with retries of the PUT alone), so a failed PUT after a
 *   successful change never turns into a second, FAILED answer;
 * - the function is deployed with no asynchronous retries (see WeightedSeedDns): a retry would write records
 *   after CloudFormation has moved on. The custom resource's ServiceTimeout bounds the wait if the function
 *   dies before it can answer.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import * as z from '../zod';
import { containerAwsClients } from '../actuators/clients';
import {
  applyCustomResourceEvent,
  DnsRecordDeps,
  failedPhysicalResourceId,
  parseProperties,
  physicalResourceId,
  RequestControl,
} from '../dns/weighted-record';
import { BadEventError, SeedshieldError } from '../errors';
import { fieldProblem } from '../events/field-problem';
import { wireDnsRecords } from '../wiring';

/** The request did not finish before the handler had to answer CloudFormation. */
export class CustomResourceDeadlineError extends SeedshieldError {
  readonly code: string = 'CUSTOM_RESOURCE_DEADLINE';
}

/** The answer's PUT to the ResponseURL failed (after its retries). */
export class ResponsePutError extends SeedshieldError {
  readonly code: string = 'RESPONSE_PUT_FAILED';
}

/** Timing of one request. */
export interface DnsRecordsHandlerOptions {
  /**
   * Time kept back from the function's remaining time to PUT the answer (with retries), in ms.
   * @default 20000
   */
  readonly answerMarginMs?: number;
  /**
   * Attempts of the answer's PUT.
   * @default 3
   */
  readonly putAttempts?: number;
  /** @default - Powertools logger of the service */
  readonly logger?: Logger;
}

const nonEmpty = z.string('must be a non-empty string').check(z.minLength(1, 'must be a non-empty string'));
const requestFields = {
  ResponseURL: z.url('must be a URL'),
  StackId: nonEmpty,
  RequestId: nonEmpty,
  LogicalResourceId: nonEmpty,
  ResourceProperties: z.record(z.string(), z.unknown(), 'must be an object'),
};

/**
 * A CloudFormation custom resource request, as far as this handler reads it; `ResourceProperties` are parsed
 * by `parseProperties`. Not Powertools' CloudFormationCustomResource*Schema: those strip `PhysicalResourceId`
 * from Update and Delete requests, which is exactly what a Delete acts on.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html
 */
const CustomResourceRequestSchema = z.discriminatedUnion(
  'RequestType',
  [
    z.object({ RequestType: z.literal('Create'), ...requestFields }),
    z.object({ RequestType: z.literal('Update'), PhysicalResourceId: nonEmpty, ...requestFields }),
    z.object({ RequestType: z.literal('Delete'), PhysicalResourceId: nonEmpty, ...requestFields }),
  ],
  'must be "Create", "Update" or "Delete"',
);

/** A custom resource request this handler can act on. */
export type CustomResourceRequest = z.infer<typeof CustomResourceRequestSchema>;

/**
 * Parses the request CloudFormation sent.
 * @throws BadEventError naming the field, the rule and the value received
 */
export function parseCustomResourceRequest(event: unknown): CustomResourceRequest {
  const parsed = CustomResourceRequestSchema.safeParse(event);
  if (!parsed.success) throw new BadEventError(`custom resource request: ${fieldProblem(parsed.error, event, [], '(request)')}`, { cause: parsed.error });
  return parsed.data;
}

/** A CloudFormation custom resource answer (the fields this handler sends). */
interface Answer {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Reason?: string;
  readonly Data?: Record<string, string>;
}

/** The physical id a FAILED answer carries: what CloudFormation must delete on rollback, and nothing more. */
function failedId(event: CustomResourceRequest, control: RequestControl): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  if (control.submitted) {
    // A change batch may have been accepted: name the record, so the rollback Delete removes it.
    try {
      return physicalResourceId(parseProperties(event.ResourceProperties));
    } catch {
      // Unparseable properties never reach a submission; unreachable in practice.
    }
  }
  return failedPhysicalResourceId(event.LogicalResourceId);
}

/** Builds the handler over `deps` (the tests build it over moto; the Lambda over the container's clients). */
export function createDnsRecordsHandler(deps: () => DnsRecordDeps, options: DnsRecordsHandlerOptions = {}) {
  const logger = options.logger ?? new Logger({ serviceName: 'seedshield-dns-records' });
  const answerMarginMs = options.answerMarginMs ?? 20_000;
  const putAttempts = options.putAttempts ?? 3;

  async function put(url: string, answer: Answer): Promise<void> {
    let last: unknown;
    for (let attempt = 1; attempt <= putAttempts; attempt += 1) {
      try {
        // The pre-signed S3 URL signs no content type: send none.
        const res = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body: JSON.stringify(answer) });
        if (res.ok) return;
        last = new ResponsePutError(`HTTP ${res.status}`);
        // 4xx (an expired or wrong URL) will not get better.
        if (res.status < 500) break;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    throw new ResponsePutError(`CloudFormation response PUT failed after retries: ${(last as Error).message}`, { cause: last });
  }

  /**
   * Answers FAILED to a request that does not parse, when it carries somewhere to answer (otherwise nobody waits
   * for an answer, and the error is all there is). Whatever the request names is echoed back as given.
   */
  async function reject(input: unknown, err: BadEventError): Promise<void> {
    const field = (key: string): string => {
      const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined;
      return typeof value === 'string' ? value : '';
    };
    logger.error('custom resource request rejected', { requestType: field('RequestType'), error: err });
    if (!URL.canParse(field('ResponseURL'))) throw err;
    await put(field('ResponseURL'), {
      Status: 'FAILED',
      StackId: field('StackId'),
      RequestId: field('RequestId'),
      LogicalResourceId: field('LogicalResourceId'),
      PhysicalResourceId: field('PhysicalResourceId') || failedPhysicalResourceId(field('LogicalResourceId')),
      Reason: `${err.name}: ${err.message}`.slice(0, 1000),
    });
  }

  return async function handler(input: CloudFormationCustomResourceEvent, context: Context): Promise<void> {
    logger.addContext(context);
    // Never log the event as a whole: its ResponseURL is a bearer credential for this resource's outcome.
    let event: CustomResourceRequest;
    try {
      event = parseCustomResourceRequest(input);
    } catch (err) {
      return reject(input, err as BadEventError);
    }
    const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    const budgetMs = Math.max(1_000, context.getRemainingTimeInMillis() - answerMarginMs);
    const abort = new AbortController();
    const control: RequestControl = { maxWaitMs: budgetMs, abortSignal: abort.signal };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new CustomResourceDeadlineError(`not finished within ${budgetMs} ms; answering before the function times out`));
      }, budgetMs);
    });
    let answer: Answer;
    try {
      const outcome = await Promise.race([
        applyCustomResourceEvent(
          {
            RequestType: event.RequestType,
            ResourceProperties: event.ResourceProperties,
            PhysicalResourceId: event.RequestType === 'Create' ? undefined : event.PhysicalResourceId,
          },
          deps(),
          control,
        ),
        deadline,
      ]);
      logger.info('weighted record applied', { requestType: event.RequestType, physicalResourceId: outcome.physicalResourceId, ...outcome.data });
      answer = { ...base, Status: 'SUCCESS', PhysicalResourceId: outcome.physicalResourceId, Data: outcome.data };
    } catch (err) {
      logger.error('weighted record failed', { requestType: event.RequestType, error: err as Error });
      answer = {
        ...base,
        Status: 'FAILED',
        Reason: `${(err as Error).name}: ${(err as Error).message}`.slice(0, 1000),
        PhysicalResourceId: failedId(event, control),
      };
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    // One answer, whatever happens to its PUT: a lost PUT leaves CloudFormation to its ServiceTimeout.
    await put(event.ResponseURL, answer);
  };
}

let containerDeps: DnsRecordDeps | undefined;

/** The Lambda handler: the container's clients, built on first use. */
export const handler = createDnsRecordsHandler(
  () => (containerDeps ??= wireDnsRecords({ clients: containerAwsClients(), homeRegion: process.env.AWS_REGION ?? 'us-east-1' })),
);
