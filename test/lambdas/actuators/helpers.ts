/**
 * Test helpers of the actuator tests: moto-backed clients, a topology over built worlds, and an HTTP handler
 * that injects faults below the SDK's retry strategy (so the real retry code runs).
 */
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import type { RuntimeTopology, TopologyCluster } from '../../../lib/config/topology';
import { AwsClients, type AwsClientsProps } from '../../../lambdas/actuators/clients';
import { cannedHttpResponse, PassThroughHttpHandler } from '../../../drill/faults';
import { motoClientConfig } from '../../../drill/moto';
import type { ClusterWorld, DnsWorld } from '../../../drill/world';
import { CLUSTER_PARAMETERS, clusterParameterName, type ClusterParameterKey } from '../../../lib/config/naming';

export const REGION = 'eu-west-1';

/** The moto endpoint global setup started. */
export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) throw new Error('MOTO_ENDPOINT is not set: run the tests through jest (global setup starts moto)');
  return endpoint;
}

/** Clients pointing at moto; retries do not wait (jitter source 0). */
export function motoClients(props: AwsClientsProps = {}): AwsClients {
  const { endpoint, credentials } = motoClientConfig(motoEndpoint(), REGION);
  return new AwsClients({ endpoint, credentials, random: () => 0, ...props });
}

/** A unique id for clusters and names of one test. */
let counter = 0;
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export const SITE_CIDRS = { ipv4: ['192.0.2.0/24', '198.51.100.0/24'], ipv6: ['2001:db8:1::/48'] } as const;

/** A runtime topology over built worlds (aws clusters) plus optional external clusters. */
export function topologyOf(
  worlds: readonly ClusterWorld[],
  dns?: DnsWorld,
  extra: readonly TopologyCluster[] = [],
): RuntimeTopology {
  return {
    clusters: [
      ...worlds.map((w) => ({ id: w.clusterId, kind: 'aws' as const, region: w.region, account: '123456789012', baseWeight: 100, countsTowardsMinimum: true })),
      ...extra,
    ],
    dns: { hostedZoneId: dns?.hostedZoneId ?? 'ZNONE', recordName: dns?.recordName ?? 'seed.example.test', ttlSeconds: dns?.ttlSeconds ?? 60 },
    siteCidrs: { ipv4: [...SITE_CIDRS.ipv4], ipv6: [...SITE_CIDRS.ipv6] },
    policy: {
      minHealthyClusters: 1,
      cooldownMinutes: 10,
      quietPeriodMinutes: 30,
      maxIsolationsPerWindow: 2,
      isolationWindowMinutes: 60,
      restoreRampPercent: [25, 50, 100],
      restoreRampStepMinutes: 10,
      cutInternet: true,
      cutBlockProducerPath: true,
    },
  };
}

/** A canned HTTP response. */
export interface CannedResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** Route 53's HTTP 400 `Throttling` answer. */
export const ROUTE53_THROTTLING: CannedResponse = route53Error(400, 'Throttling', 'Rate exceeded');
/** Route 53's HTTP 400 `PriorRequestNotComplete` answer. */
export const ROUTE53_PRIOR_REQUEST_NOT_COMPLETE: CannedResponse = route53Error(
  400,
  'PriorRequestNotComplete',
  'The request was rejected because Route 53 was still processing a prior request.',
);
/** A plain HTTP 503 with an EC2-shaped error body. */
export const EC2_SERVICE_UNAVAILABLE: CannedResponse = {
  statusCode: 503,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>Unavailable</Code><Message>The server is overloaded.</Message></Error></Errors><RequestID>req-1</RequestID></Response>',
};
/** EC2's HTTP 503 `RequestLimitExceeded` answer. */
export const EC2_REQUEST_LIMIT_EXCEEDED: CannedResponse = {
  statusCode: 503,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-2</RequestID></Response>',
};

export function route53Error(statusCode: number, code: string, message: string): CannedResponse {
  return {
    statusCode,
    headers: { 'content-type': 'text/xml' },
    body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-${code}</RequestId></ErrorResponse>`,
  };
}

/**
 * An HTTP handler that answers the matching requests with canned faults first, then passes everything to a
 * real handler (moto). Sits below the SDK's retry middleware, so the SDK sees real HTTP errors.
 */
export class FaultInjectingHandler extends PassThroughHttpHandler {
  readonly #faults: CannedResponse[];
  readonly #matches: (request: HttpRequest) => boolean;
  /** Every request seen: `METHOD path target` plus whether it was faulted. */
  readonly seen: { readonly target: string; readonly faulted: boolean }[] = [];

  constructor(faults: readonly CannedResponse[], matches: (request: HttpRequest) => boolean = () => true) {
    super();
    this.#faults = [...faults];
    this.#matches = matches;
  }

  async handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: HttpResponse }> {
    const target = `${request.method} ${request.path}${typeof request.body === 'string' ? ` ${request.body.slice(0, 60)}` : ''}`;
    if (this.#matches(request) && this.#faults.length > 0) {
      const fault = this.#faults.shift() as CannedResponse;
      this.seen.push({ target, faulted: true });
      return cannedHttpResponse(fault.statusCode, fault.body, fault.headers);
    }
    this.seen.push({ target, faulted: false });
    return super.handle(request, options);
  }
}

/** Fake ids standing for what a cluster stack publishes in SSM, for tests that mock the APIs moto lacks. */
export function fakePublishedIds(
  clusterId: string,
  overrides: Partial<Record<ClusterParameterKey, string>> = {},
): Record<ClusterParameterKey, string> {
  return {
    nlbSecurityGroupId: 'sg-0123',
    eipAllocationIds: 'eipalloc-1,eipalloc-2',
    nlbAddresses: '203.0.113.1,203.0.113.2',
    publicSubnetIds: 'subnet-p1,subnet-p2',
    privateSubnetIds: 'subnet-q1,subnet-q2',
    publicNetworkAclId: 'acl-pub',
    privateNetworkAclId: 'acl-priv',
    privateRouteTableIds: 'rtb-1',
    vpnGatewayId: 'vgw-0123',
    vpcId: 'vpc-0123',
    seedNodeAutoScalingGroupName: `${clusterId}-seed-nodes`,
    ...overrides,
  };
}

/** A GetParameters answer holding every published id of `clusterId` (discovery asks for them by name). */
export function publishedParametersOutput(clusterId: string, ids: Record<ClusterParameterKey, string>) {
  return {
    Parameters: (Object.keys(CLUSTER_PARAMETERS) as ClusterParameterKey[]).map((k) => ({ Name: clusterParameterName(clusterId, k), Value: ids[k] })),
  };
}
