/**
 * GuardDuty findings as EventBridge delivers them, in the documented finding format (GuardDuty User Guide,
 * "Finding format" and "Finding details"; API reference `Finding`, `Service`, `Action`): an EventBridge
 * envelope (`detail-type: "GuardDuty Finding"`, `source: "aws.guardduty"`) around the finding JSON.
 *
 * The builder fills every field the documentation shows for an EC2 finding, so tests read like the real thing:
 * `service.action` is a PORT_PROBE for port probes and a NETWORK_CONNECTION otherwise, with the direction and
 * the resource role the finding type has in the documentation.
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html
 * @see https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html
 */
import { CLUSTER_TAG_KEY } from '../../lib/config/naming';

/** What a test chooses about a finding; everything else has the documented shape. */
export interface FindingSpec {
  readonly type: string;
  readonly severity: number;
  /** The cluster tag value on the instance; `null` for an instance without seedshield tags. @default 'a' */
  readonly cluster?: string | null;
  /** @default 'TARGET' */
  readonly resourceRole?: 'ACTOR' | 'TARGET';
  /** NETWORK_CONNECTION direction; PORT_PROBE when `portProbe`. @default 'INBOUND' */
  readonly direction?: 'INBOUND' | 'OUTBOUND';
  /** @default false */
  readonly portProbe?: boolean;
  /** Local port of the activity. @default 9876 */
  readonly localPort?: number;
  /** @default 'Instance' */
  readonly resourceType?: string;
  /** @default false */
  readonly sample?: boolean;
  /** @default false */
  readonly archived?: boolean;
  /** `service.count`. @default 1 */
  readonly count?: number;
  /** Finding id (stable across updates). @default derived from the type */
  readonly findingId?: string;
  /** EventBridge event id. @default derived */
  readonly eventId?: string;
  /** `updatedAt` (epoch ms). @default 2026-11-24T03:00:00Z */
  readonly updatedAt?: number;
  /** `service.eventLastSeen` (epoch ms). @default updatedAt */
  readonly eventLastSeen?: number;
  /** `createdAt` / `service.eventFirstSeen` (epoch ms). @default updatedAt */
  readonly createdAt?: number;
  /** @default '111111111111' */
  readonly account?: string;
  /** @default 'eu-north-1' */
  readonly region?: string;
  /** Runtime Monitoring findings carry no resource role and a `runtimeDetails` block. @default false */
  readonly runtime?: boolean;
}

/** 2026-11-24T03:00:00Z, the default finding time. */
export const FINDING_T0 = Date.UTC(2026, 10, 24, 3, 0, 0);

const iso = (ms: number) => new Date(ms).toISOString();

/** One GuardDuty finding event in the documented format. */
export function guardDutyFindingEvent(spec: FindingSpec): Record<string, any> {
  const account = spec.account ?? '111111111111';
  const region = spec.region ?? 'eu-north-1';
  const updatedAt = spec.updatedAt ?? FINDING_T0;
  const createdAt = spec.createdAt ?? updatedAt;
  const lastSeen = spec.eventLastSeen ?? updatedAt;
  const findingId = spec.findingId ?? `f-${spec.type.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}`;
  const detectorId = '12abc34d567e8fa901bc2d34eexample';
  const cluster = spec.cluster === undefined ? 'a' : spec.cluster;
  const tags = [
    ...(cluster === null ? [] : [{ key: CLUSTER_TAG_KEY, value: cluster }]),
    { key: 'Name', value: cluster === null ? 'unrelated-host' : `seedshield-${cluster}-seed` },
  ];
  const remoteIpDetails = {
    ipAddressV4: '198.51.100.23',
    organization: { asn: '64496', asnOrg: 'EXAMPLE-NET', isp: 'Example ISP', org: 'Example Org' },
    country: { countryName: 'Example' },
    city: { cityName: 'Example City' },
    geoLocation: { lat: 0, lon: 0 },
  };
  const localPortDetails = { port: spec.localPort ?? 9876, portName: 'Unknown' };
  const action = spec.runtime
    ? undefined
    : spec.portProbe
      ? { actionType: 'PORT_PROBE', portProbeAction: { blocked: false, portProbeDetails: [{ localPortDetails, localIpDetails: { ipAddressV4: '10.10.1.23' }, remoteIpDetails }] } }
      : {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: spec.direction ?? 'INBOUND',
            blocked: false,
            protocol: 'TCP',
            localPortDetails,
            localIpDetails: { ipAddressV4: '10.10.1.23' },
            remotePortDetails: { port: 40912, portName: 'Unknown' },
            remoteIpDetails,
          },
        };
  const resource =
    (spec.resourceType ?? 'Instance') === 'Instance'
      ? {
          resourceType: 'Instance',
          instanceDetails: {
            instanceId: 'i-0123456789abcdef0',
            instanceType: 'm7i.2xlarge',
            launchTime: iso(FINDING_T0 - 86_400_000),
            platform: null,
            productCodes: [],
            iamInstanceProfile: { arn: `arn:aws:iam::${account}:instance-profile/seed`, id: 'AIPAEXAMPLE' },
            networkInterfaces: [
              {
                ipv6Addresses: [],
                networkInterfaceId: 'eni-0123456789abcdef0',
                privateDnsName: 'ip-10-10-1-23.eu-north-1.compute.internal',
                privateIpAddress: '10.10.1.23',
                privateIpAddresses: [{ privateDnsName: 'ip-10-10-1-23.eu-north-1.compute.internal', privateIpAddress: '10.10.1.23' }],
                subnetId: 'subnet-0123456789abcdef0',
                vpcId: 'vpc-0123456789abcdef0',
                securityGroups: [{ groupName: 'seed-nodes', groupId: 'sg-0123456789abcdef0' }],
              },
            ],
            outpostArn: null,
            tags,
            instanceState: 'running',
            availabilityZone: `${region}a`,
            imageId: 'ami-0123456789abcdef0',
            imageDescription: 'Canonical, Ubuntu, 22.04 LTS',
          },
        }
      : { resourceType: spec.resourceType, accessKeyDetails: { accessKeyId: 'ASIAEXAMPLE', principalId: 'AROAEXAMPLE:i-0123456789abcdef0', userName: 'seed', userType: 'AssumedRole' } };
  const detail: Record<string, any> = {
    schemaVersion: '2.0',
    accountId: account,
    region,
    partition: 'aws',
    id: findingId,
    arn: `arn:aws:guardduty:${region}:${account}:detector/${detectorId}/finding/${findingId}`,
    type: spec.type,
    resource,
    service: {
      serviceName: 'guardduty',
      detectorId,
      ...(action ? { action } : {}),
      ...(spec.runtime ? { runtimeDetails: { process: { name: 'sh', executablePath: '/usr/bin/sh', pid: 4242 } }, featureName: 'RuntimeMonitoring' } : { resourceRole: spec.resourceRole ?? 'TARGET' }),
      additionalInfo: spec.sample ? { value: '{"sample":true}', type: 'default', sample: true } : { value: '{}', type: 'default' },
      eventFirstSeen: iso(createdAt),
      eventLastSeen: iso(lastSeen),
      archived: spec.archived ?? false,
      count: spec.count ?? 1,
    },
    severity: spec.severity,
    createdAt: iso(createdAt),
    updatedAt: iso(updatedAt),
    title: `${spec.type} on i-0123456789abcdef0`,
    description: `GuardDuty finding ${spec.type}`,
  };
  return {
    version: '0',
    id: spec.eventId ?? `ev-${findingId}-${updatedAt}`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account,
    time: iso(updatedAt),
    region,
    resources: [],
    detail,
  };
}
