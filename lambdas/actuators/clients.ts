/**
 * AWS SDK v3 clients of the control plane (actuators, alarm reader, state store): created once per container
 * per region, with a tuned retry strategy. Every client the Lambda, the CLI, the drill and the bench use is
 * built here, so they share one configuration.
 *
 * Retries are the SDK's own (`StandardRetryStrategy`: a retry-token bucket, exponential backoff with full
 * jitter, throttling errors on a longer base delay), never a hand-written loop, so every call (including the
 * ones a test injects faults into) goes through the same, well-tested path.
 *
 * Endpoints are left to the SDK, which honours `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`: the same
 * code runs against moto in the drill and in CI.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryBackoffStrategy,
} from '@smithy/types';

/** How hard one client retries. */
export interface RetryTuning {
  /** Attempts in total, the first included (1 = no retry). */
  readonly maxAttempts: number;
  /** Base of the exponential backoff for transient errors (5xx, timeouts), in ms. Throttling uses the SDK's longer base. */
  readonly baseDelayMs: number;
  /** Cap of one backoff delay, in ms. */
  readonly maxDelayMs: number;
}

/**
 * Retry tuning per API area.
 *
 * Route 53 gets more attempts than the rest: its control API allows 5 requests/second per ACCOUNT (shared with
 * every other tool in the account), and `PriorRequestNotComplete` keeps coming back for as long as an earlier
 * change to the zone is still propagating (tens of seconds). Both are safe to retry: the request was refused,
 * not applied. With full jitter on the SDK's 1 s throttling base, 8 attempts wait up to ~2 min in the worst
 * case, well inside a Lambda's timeout.
 */
export const RETRY_TUNING = {
  default: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 },
  route53: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 20_000 },
} as const satisfies Record<string, RetryTuning>;

/**
 * Exponential backoff with full jitter: `random() * min(base * 2^attempt, maxDelay)`.
 *
 * The strategy sets the base per error (the SDK's throttling base for throttling errors, our `baseDelayMs`
 * otherwise). Full jitter spreads the retries of concurrent Lambdas apart, which matters for Route 53's
 * account-wide rate limit.
 */
export class JitteredExponentialBackoff implements StandardRetryBackoffStrategy {
  #base: number;
  readonly #maxDelayMs: number;
  readonly #random: () => number;

  constructor(props: { readonly baseDelayMs: number; readonly maxDelayMs: number; readonly random?: () => number }) {
    this.#base = props.baseDelayMs;
    this.#maxDelayMs = props.maxDelayMs;
    this.#random = props.random ?? Math.random;
  }

  setDelayBase(delayBase: number): void {
    this.#base = delayBase;
  }

  computeNextBackoffDelay(retryAttempt: number): number {
    return Math.floor(this.#random() * Math.min(this.#base * 2 ** retryAttempt, this.#maxDelayMs));
  }
}

/**
 * Error codes that must be retried as throttling on Route 53 whatever the SDK's classification table says.
 *
 * `@smithy/core` 3.x lists both among its throttling codes (checked in
 * node_modules/@smithy/core/dist-cjs/submodules/retry/index.js, THROTTLING_ERROR_CODES); older releases of
 * `@smithy/service-error-classification` did not list `PriorRequestNotComplete`, and the Lambda runtime's
 * bundled SDK may be older than ours. Pinning them here keeps the behaviour independent of that table.
 */
export const ROUTE53_RETRYABLE_THROTTLING_CODES: readonly string[] = ['Throttling', 'PriorRequestNotComplete'];

/**
 * Wraps a retry strategy so errors with one of `codes` are classified as THROTTLING (retryable, longer backoff).
 * @internal
 */
export function withThrottlingCodes(strategy: RetryStrategyV2, codes: readonly string[]): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: (scope: string) => strategy.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token: RetryToken, errorInfo: RetryErrorInfo) => {
      const name = (errorInfo.error as { name?: string } | undefined)?.name;
      const reclassified: RetryErrorInfo =
        name !== undefined && codes.includes(name) ? { ...errorInfo, errorType: 'THROTTLING' } : errorInfo;
      return strategy.refreshRetryTokenForRetry(token, reclassified);
    },
    recordSuccess: (token: RetryToken) => strategy.recordSuccess(token),
  };
}

/** Builds the SDK's standard retry strategy with our backoff. */
export function createRetryStrategy(tuning: RetryTuning, random?: () => number): RetryStrategyV2 {
  return new StandardRetryStrategy({
    maxAttempts: tuning.maxAttempts,
    baseDelay: tuning.baseDelayMs,
    backoff: new JitteredExponentialBackoff({ baseDelayMs: tuning.baseDelayMs, maxDelayMs: tuning.maxDelayMs, random }),
  });
}

/** Props of {@link AwsClients}. */
export interface AwsClientsProps {
  /**
   * Endpoint of every client (moto in tests and the drill).
   * @default - the SDK's resolution, which honours `AWS_ENDPOINT_URL`
   */
  readonly endpoint?: string;
  /**
   * Credentials of every client.
   * @default - the SDK's default provider chain (the Lambda's role)
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * Overrides of {@link RETRY_TUNING}.
   * @default - RETRY_TUNING as is
   */
  readonly retryTuning?: { readonly default?: Partial<RetryTuning>; readonly route53?: Partial<RetryTuning> };
  /**
   * Jitter source in [0, 1). Tests pass `() => 0` so retries happen without waiting.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * HTTP handler of every client (tests inject faults here, below the retry strategy).
   * @default - the SDK's Node.js handler with the timeouts below
   */
  readonly requestHandler?: EC2ClientConfig['requestHandler'];
  /**
   * Region of the Route 53 client (its control API is global, signed for us-east-1 in the aws partition).
   * @default 'us-east-1'
   */
  readonly route53Region?: string;
}

/**
 * Socket timeouts of the default handler. Without them a half-open connection would hang until the Lambda
 * times out instead of failing fast into a retry.
 */
const REQUEST_HANDLER_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/** The SDK clients the actuators use, one per service per region, created on first use and then reused. */
export class AwsClients {
  readonly #props: AwsClientsProps;
  readonly #cache = new Map<string, unknown>();

  constructor(props: AwsClientsProps = {}) {
    this.#props = props;
  }

  /** EC2 client of `region`. */
  ec2(region: string): EC2Client {
    return this.#get('ec2', region, (c) => new EC2Client(c));
  }

  /** EC2 Auto Scaling client of `region`. */
  autoScaling(region: string): AutoScalingClient {
    return this.#get('autoscaling', region, (c) => new AutoScalingClient(c));
  }

  /** Route 53 client (global API). */
  route53(): Route53Client {
    const region = this.#props.route53Region ?? 'us-east-1';
    return this.#get('route53', region, (c) => new Route53Client(c), 'route53');
  }

  /** SSM client of `region`. */
  ssm(region: string): SSMClient {
    return this.#get('ssm', region, (c) => new SSMClient(c));
  }

  /** SNS client of `region`. */
  sns(region: string): SNSClient {
    return this.#get('sns', region, (c) => new SNSClient(c));
  }

  /** CloudWatch client of `region`. */
  cloudWatch(region: string): CloudWatchClient {
    return this.#get('cloudwatch', region, (c) => new CloudWatchClient(c));
  }

  /**
   * DynamoDB document client of `region` (the state table). It drops `undefined` attributes when writing:
   * optional fields of the state (`pin`, `job`, `isolation`) are absent, never stored as NULL.
   */
  dynamoDb(region: string): DynamoDBDocumentClient {
    return this.#get('dynamodb', region, (c) =>
      DynamoDBDocumentClient.from(new DynamoDBClient(c), { marshallOptions: { removeUndefinedValues: true } }),
    );
  }

  /**
   * Region-less config shared by every client (endpoint, credentials, retry strategy, HTTP handler), for clients
   * this class does not build (e.g. DynamoDB): `new DynamoDBClient({ region, ...clients.baseConfig() })`.
   * Each call returns a new retry strategy, so clients never share a retry-token bucket.
   */
  baseConfig(): Omit<ClientConfig, 'region'> {
    const { region: _region, ...rest } = this.#config('', 'default');
    void _region;
    return rest;
  }

  #get<T>(service: string, region: string, create: (config: ClientConfig) => T, tuningKey: 'default' | 'route53' = 'default'): T {
    const key = `${service}:${region}`;
    let client = this.#cache.get(key) as T | undefined;
    if (client === undefined) {
      client = create(this.#config(region, tuningKey));
      this.#cache.set(key, client);
    }
    return client;
  }

  #config(region: string, tuningKey: 'default' | 'route53'): ClientConfig {
    const tuning: RetryTuning = { ...RETRY_TUNING[tuningKey], ...this.#props.retryTuning?.[tuningKey] };
    let retryStrategy = createRetryStrategy(tuning, this.#props.random);
    if (tuningKey === 'route53') retryStrategy = withThrottlingCodes(retryStrategy, ROUTE53_RETRYABLE_THROTTLING_CODES);
    return {
      region,
      retryStrategy,
      requestHandler: this.#props.requestHandler ?? REQUEST_HANDLER_TIMEOUTS,
      ...(this.#props.endpoint !== undefined ? { endpoint: this.#props.endpoint } : {}),
      ...(this.#props.credentials !== undefined ? { credentials: this.#props.credentials } : {}),
    };
  }
}

/** Client config shared by every client we build. */
export interface ClientConfig {
  region: string;
  retryStrategy: RetryStrategyV2;
  requestHandler: EC2ClientConfig['requestHandler'];
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

let containerClients: AwsClients | undefined;

/**
 * The clients of this Lambda container: created on first use and kept for the container's lifetime, so warm
 * invocations reuse connections and retry-token buckets.
 */
export function containerAwsClients(): AwsClients {
  containerClients ??= new AwsClients();
  return containerClients;
}
