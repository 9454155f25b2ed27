/**
 * Fault injection for the drill: an HTTP handler under every SDK client the engine builds that answers chosen
 * AWS API calls with an error, so an actuator fails half-way through a job the way a crashed or cut-off
 * Lambda would, and the real engine, journal and reconcile have to recover.
 *
 * It sits below the SDK's retry strategy. The injected error is an HTTP 400 with a code the SDK does not
 * retry, so one armed fault fails exactly one effect.
 */
import { Readable } from 'stream';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Error code of an injected fault (shows up in the job's lastError and the timeline). */
export const INJECTED_FAULT_CODE = 'DrillInjectedFault';

interface ArmedFault {
  readonly api: string;
  remaining: number;
  skip: number;
}

/** The Route 53 operations {@link apiOf} recognises from a REST path: the only ones a fault can fail. */
export const ROUTE53_RECOGNISED_APIS = ['ChangeResourceRecordSets', 'ListResourceRecordSets', 'GetChange'] as const;

/** The AWS API a request calls: `Action=` of query protocols (EC2, SNS, CloudWatch), `X-Amz-Target`, or Route 53's REST paths. */
export function apiOf(request: HttpRequest): string | undefined {
  const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
  if (target) return target.split('.').pop();
  const body = typeof request.body === 'string' ? request.body : '';
  const fromBody = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body)?.[1];
  if (fromBody) return fromBody;
  const fromQuery = request.query?.Action;
  if (typeof fromQuery === 'string') return fromQuery;
  // Route 53 is a REST API: the operation is the method and the path.
  if (/\/\d{4}-\d{2}-\d{2}\/hostedzone\/[^/]+\/rrset\/?$/.test(request.path)) {
    return request.method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets';
  }
  if (/\/\d{4}-\d{2}-\d{2}\/change\//.test(request.path)) return 'GetChange';
  return undefined;
}

/** The error document of the request's protocol: JSON (X-Amz-Target), EC2 query, or the other XML ones. */
function errorBody(request: HttpRequest, message: string): { body: string; contentType: string } {
  if (request.headers['x-amz-target'] ?? request.headers['X-Amz-Target']) {
    return { body: JSON.stringify({ __type: INJECTED_FAULT_CODE, message }), contentType: 'application/x-amz-json-1.0' };
  }
  const auth = request.headers.authorization ?? request.headers.Authorization ?? '';
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1];
  if (service === 'ec2') {
    return {
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${INJECTED_FAULT_CODE}</Code><Message>${message}</Message></Error></Errors><RequestID>drill-fault</RequestID></Response>`,
      contentType: 'text/xml',
    };
  }
  return {
    body: `<?xml version="1.0"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${INJECTED_FAULT_CODE}</Code><Message>${message}</Message></Error><RequestId>drill-fault</RequestId></ErrorResponse>`,
    contentType: 'text/xml',
  };
}

/** An HTTP response with a fixed status and body, as a real service would send it (tests and the drill). */
export function cannedHttpResponse(statusCode: number, body: string, headers: Record<string, string> = {}): { response: HttpResponse } {
  return {
    response: new HttpResponse({
      statusCode,
      headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
      body: Readable.from([Buffer.from(body)]),
    }),
  };
}

/**
 * An SDK request handler that passes every request to a real NodeHttpHandler (moto). Fault injectors extend
 * it and answer some requests themselves, below the SDK's retry strategy.
 */
export class PassThroughHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  protected readonly real: NodeHttpHandler;

  constructor(options?: ConstructorParameters<typeof NodeHttpHandler>[0]) {
    this.real = new NodeHttpHandler(options);
  }

  async handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: HttpResponse }> {
    return this.real.handle(request, options);
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    this.real.destroy();
  }
}

/** A NodeHttpHandler that fails armed API calls. */
export class FaultInjectingHttpHandler extends PassThroughHttpHandler {
  readonly #faults: ArmedFault[] = [];
  /** Every fault fired, for the timeline: `CreateNetworkAclEntry`. */
  readonly fired: string[] = [];

  constructor() {
    super({ connectionTimeout: 3_000, requestTimeout: 10_000 });
  }

  /** Fails the next `times` calls of `api`, after letting `after` of them through. */
  arm(api: string, times = 1, after = 0): void {
    this.#faults.push({ api, remaining: times, skip: after });
  }

  /** Faults armed and not fired yet. */
  pending(): { api: string; remaining: number }[] {
    return this.#faults.filter((f) => f.remaining > 0).map((f) => ({ api: f.api, remaining: f.remaining }));
  }

  async handle(request: HttpRequest, options?: { abortSignal?: AbortSignal }): Promise<{ response: HttpResponse }> {
    const api = apiOf(request);
    const fault = api ? this.#faults.find((f) => f.api === api && f.remaining > 0) : undefined;
    if (fault && fault.skip > 0) {
      fault.skip -= 1;
    } else if (fault) {
      fault.remaining -= 1;
      this.fired.push(fault.api);
      const { body, contentType } = errorBody(request, `the drill injected a failure of ${fault.api}`);
      return cannedHttpResponse(400, body, { 'content-type': contentType });
    }
    return super.handle(request, options);
  }
}
