/**
 * The seedshield configuration schema: the one file a user edits (`seedshield.config.json`).
 *
 * Shape checks live here (zod, strict objects: unknown keys are errors). Checks that relate several fields
 * (unique ids, CIDR overlap, AZs in their region, minimum healthy clusters) live in `validate.ts`, so each
 * problem gets its own message with the JSON path and the fix.
 */
import { z } from 'zod';
import { FINDING_CLASSES, FindingClass } from '../../lambdas/core/finding-policy';
import { containsIpAddress, parseCidr } from './cidr';

/** A DNS label: lower-case letters, digits and hyphens, 1-32 chars, no leading/trailing hyphen. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, {
    error: 'must be a DNS-safe id: lower-case letters, digits and hyphens, 1-32 characters, no leading or trailing hyphen. Fix: e.g. "eu-north"',
  });

const awsAccount = z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id as a string. Fix: e.g. "111111111111"' });

/** An AWS region name; `validate.ts` checks it against the known list. */
const awsRegion = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, {
  error: 'must be an AWS region name. Fix: e.g. "eu-north-1"',
});

const cidrOf = (family: 4 | 6) =>
  z.string().refine((v) => parseCidr(v)?.family === family, {
    error: (issue) =>
      `must be an IPv${family} CIDR block with no host bits set, got: ${JSON.stringify(issue.input)}. Fix: e.g. ${family === 4 ? '"10.20.0.0/16"' : '"fd00:20::/48"'}`,
  });

/**
 * The *name* of an SSM parameter that holds a secret address. Never the address itself: an IP address
 * here would end up in the synthesized template, the repo and every `cdk diff`.
 */
const ssmParameterName = z
  .string()
  .refine((v) => !containsIpAddress(v), {
    error: (issue) =>
      `looks like an IP address (${JSON.stringify(issue.input)}), but this field takes the NAME of an SSM parameter that holds the address. Fix: store the address with \`aws ssm put-parameter --name /seedshield/... --type String --value <ip>\` and put that name here; the address must never be in the config, the repo or a template`,
    // One problem, one message: the name-format check below would only repeat it.
    abort: true,
  })
  .refine((v) => /^\/[A-Za-z0-9_.\-/]{1,1010}$/.test(v) && !v.endsWith('/'), {
    error: (issue) =>
      `must be a fully qualified SSM parameter name starting with "/", got: ${JSON.stringify(issue.input)}. Fix: e.g. "/seedshield/sites/green-mountain/line-a/customer-gateway-ip"`,
  });

const weight = z
  .number()
  .int({ error: 'must be a whole number. Fix: use an integer from 0 to 255' })
  .min(0, { error: (i) => `must be between 0 and 255 inclusive (Route 53 weight), got: ${String(i.input)}. Fix: use an integer from 0 to 255` })
  .max(255, { error: (i) => `must be between 0 and 255 inclusive (Route 53 weight), got: ${String(i.input)}. Fix: use an integer from 0 to 255` });

const positiveInt = (what: string, max: number) =>
  z
    .number()
    .int({ error: `must be a whole number of ${what}` })
    .min(1, { error: (i) => `must be at least 1 ${what}, got: ${String(i.input)}` })
    .max(max, { error: (i) => `must be at most ${max} ${what}, got: ${String(i.input)}` });

/** One of a site's two high-speed lines, modelled as its own customer gateway. */
export const SiteLineSchema = z.strictObject({
  /** Line id, unique within the site (e.g. "line-a"). */
  id: dnsLabel,
  /** Name of the SSM parameter (in each cluster region) that holds the customer gateway's public IPv4 address. */
  customerGatewayIpParameter: ssmParameterName,
});

/** A physical site: the primary block-producer site or the standby one. */
export const SiteSchema = z.strictObject({
  id: dnsLabel,
  name: z.string().min(1),
  role: z.enum(['primary', 'standby'], { error: 'must be "primary" or "standby"' }),
  /** BGP ASN of the site's customer gateways (private 64512-65534, 4200000000-4294967294, or public). */
  bgpAsn: z.number().int().min(1).max(4294967294),
  /** The on-premises ranges the clusters route to over the VPN. */
  cidrs: z.strictObject({
    ipv4: z.array(cidrOf(4)).min(1, { error: 'needs at least one IPv4 CIDR the clusters route to' }),
    ipv6: z.array(cidrOf(6)).default([]),
  }),
  /** Exactly two lines: a cut line must leave the other. */
  lines: z.array(SiteLineSchema).length(2, { error: 'must list exactly two lines (one customer gateway per high-speed line)' }),
  /** Name of the SSM parameter holding the block producer's p2p peer address(es), `host:port[,host:port]`. */
  blockProducerPeersParameter: ssmParameterName,
});

/** Alarm thresholds for one cluster's detection signals. */
export const AlarmThresholdsSchema = z.strictObject({
  /** Healthy seed nodes behind the NLB below this count raises the `unhealthy` trigger. @default 1 */
  minHealthyHosts: z.number().int().min(0).default(1),
  /** New TCP flows per minute over the NLB above this raises the `surge` trigger. @default 60000 */
  surgeNewFlowsPerMinute: z.number().int().min(1).default(60000),
  /** Bytes processed per minute above this raises the `surge` trigger. @default 30 GB/min (≈4 Gbit/s) */
  surgeProcessedBytesPerMinute: z.number().int().min(1).default(30_000_000_000),
  /** Minutes a condition must hold before the alarm fires. @default 2 */
  evaluationPeriods: z.number().int().min(1).max(30).default(2),
  /**
   * The cluster's median head-block lag (node agent, seconds behind wall-clock time) above this raises the
   * `lagging` trigger. EOS produces a block every 0.5 s, so 30 s is 60 blocks behind.
   * @default 30
   */
  maxHeadBlockLagSeconds: z.number().min(1).max(3600).default(30),
  /** The cluster's median p2p peer count below this raises the `lagging` trigger. @default 3 */
  minPeers: z.number().int().min(1).max(1000).default(3),
  /**
   * 10-second periods the lag or peer condition must hold before its alarm fires. 3 periods: a node that
   * misses one or two blocks (a fork switch, a slow block) is not drained.
   * @default 3
   */
  chainEvaluationPeriods: z.number().int().min(1).max(60).default(3),
});

/** A cloud seed-node cluster: one VPC in one region. */
export const ClusterSchema = z.strictObject({
  id: dnsLabel,
  account: awsAccount,
  region: awsRegion,
  /** Explicit AZs (no lookups at synth): at least two, all in `region`. */
  availabilityZones: z.array(z.string()).min(2, { error: 'needs at least two availability zones for a highly available cluster' }),
  vpcCidr: cidrOf(4),
  seedNodes: z.strictObject({
    count: positiveInt('seed nodes', 50),
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must be an EC2 instance type. Fix: e.g. "m7i.2xlarge"' }),
    /** Chain state and blocks log. @default 500 */
    volumeSizeGiB: z.number().int().min(50).max(16384).default(500),
  }),
  /** Route 53 weight of this cluster's record when in service. */
  weight,
  /** ACM certificate for TLS 443 on the HTTP API listener. @default - plain HTTP API on 8888 */
  httpsCertificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:/, { error: 'must be an ACM certificate ARN' }).optional(),
  /** How the VPN learns the site routes. @default "bgp" */
  vpnRouting: z.enum(['bgp', 'static']).default('bgp'),
  /** ASN of the AWS side of the VPN. @default 64512 */
  amazonSideAsn: z.number().int().min(64512).max(65534).default(64512),
  alarms: AlarmThresholdsSchema.default(AlarmThresholdsSchema.parse({})),
});

/** A seed cluster outside AWS (the physical one near the primary site, or one at another provider). */
export const ExternalClusterSchema = z.strictObject({
  id: dnsLabel,
  /** Public p2p endpoints peers connect to. Public by design, unlike the block producer. */
  endpoints: z
    .array(
      z.strictObject({
        hostname: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a fully qualified host name' }),
        ipv4: z.string().refine((v) => parseCidr(`${v}/32`) !== undefined, { error: 'must be an IPv4 address' }),
        ipv6: z.string().refine((v) => parseCidr(`${v}/128`) !== undefined, { error: 'must be an IPv6 address' }).optional(),
      }),
    )
    .min(1),
  weight,
  /** p2p port the Route 53 health check probes. @default 9876 */
  p2pPort: z.number().int().min(1).max(65535).default(9876),
});

export const DnsSchema = z.strictObject({
  /** Hosted zone id (no lookup at synth). */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, { error: 'must be a Route 53 hosted zone id. Fix: e.g. "Z0123456789ABCDEFGHIJ"' }),
  zoneName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a zone name without trailing dot, e.g. "example.org"' }),
  recordName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a fully qualified record name without trailing dot' }),
  /** @default 60 */
  ttlSeconds: z.number().int().min(10).max(86400).default(60),
});

export const ControlPlaneSchema = z.strictObject({
  account: awsAccount,
  homeRegion: awsRegion,
  /** Clusters that must stay in DNS whatever happens. */
  minHealthyClusters: positiveInt('clusters', 100),
  /** Whether external clusters (physical, other providers) count towards `minHealthyClusters`. @default false */
  countExternalClustersTowardsMinimum: z.boolean().default(false),
  /** Minutes after an automatic action on a cluster before automation acts on it again (hysteresis). @default 10 */
  cooldownMinutes: z.number().int().min(0).max(1440).default(10),
  /** Minutes every trigger must stay clear before a restore starts. @default 30 */
  quietPeriodMinutes: z.number().int().min(1).max(1440).default(30),
  /** At most this many automatic isolations per `isolationWindowMinutes`, over all clusters. @default 2 */
  maxIsolationsPerWindow: positiveInt('isolations', 100).default(2),
  /** @default 60 */
  isolationWindowMinutes: positiveInt('minutes', 10080).default(60),
  /** Restore ramp: percent of the base weight at each stage, ending at 100. @default [10, 50, 100] */
  restoreRampPercent: z
    .array(z.number().int().min(1).max(100))
    .min(1)
    .refine((steps) => steps[steps.length - 1] === 100 && steps.every((s, i) => i === 0 || s > steps[i - 1]), {
      error: 'must be strictly increasing and end at 100. Fix: e.g. [10, 50, 100]',
    })
    .default([10, 50, 100]),
  /** Minutes at each ramp stage. @default 5 */
  restoreRampStepMinutes: z.number().int().min(1).max(240).default(5),
  /** Minutes between reconcile runs (EventBridge Scheduler). @default 5 */
  reconcileIntervalMinutes: z.number().int().min(1).max(60).default(5),
  /** A cluster isolated longer than this pages on-call. @default 6 */
  maxIsolatedHours: z.number().min(1).max(720).default(6),
  /** What isolation cuts besides DNS weight, and whether it is proven on AWS. @default cuts both, proves it */
  isolation: z
    .strictObject({
      cutInternet: z.boolean().default(true),
      cutBlockProducerPath: z.boolean().default(true),
      /**
       * After each isolation (and each restore), check with VPC Reachability Analyzer that the cut paths are
       * closed (and open again): a path found while isolated pages CRITICAL and `status` shows the isolation
       * "unverified". It checks the configuration, not live packets, and is billed per analysis (USD 0.10 at
       * the time of writing): 1 + one per IPv4 site CIDR analyses per isolation, as many per restore.
       * On by default: isolations are rare and rate-limited, so the proof costs cents per incident, and an
       * unproven cut is what this issue is about. Turn it off where the account forbids the `tiros` calls.
       * @default true
       * @see https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html
       */
      verifyWithReachabilityAnalyzer: z.boolean().default(true),
      /**
       * The Amazon VPC quota "Rules per network ACL" (per direction) in the cluster regions: the cluster ACLs'
       * own entries plus every entry of both cuts must fit it (checked at config time). @default 20
       */
      networkAclRuleQuota: z.number().int().min(20).max(40).default(20),
    })
    .default({ cutInternet: true, cutBlockProducerPath: true, verifyWithReachabilityAnalyzer: true, networkAclRuleQuota: 20 }),
  /** Operator pins expire: `--for`/`--until` up to `maxHours`, `defaultHours` when neither is given. @default 4 / 24 */
  pins: z
    .strictObject({
      defaultHours: z.number().positive().max(720).default(4),
      maxHours: z.number().positive().max(720).default(24),
    })
    .refine((p) => p.defaultHours <= p.maxHours, { error: 'defaultHours must not exceed maxHours. Fix: raise maxHours or lower defaultHours', path: ['defaultHours'] })
    .default({ defaultHours: 4, maxHours: 24 }),
  /**
   * What the remediation function reserves of the home region's Lambda concurrency. `1`: one decision at a time
   * (each sends the whole weight set to Route 53; serialised, two can never land out of order). `"none"`: no
   * reservation, for an account that cannot spare one: Lambda refuses a reservation that leaves less than 100
   * unreserved, and a new account often has 10 in all. Decisions may then overlap: conditional writes still keep
   * the state right, and a weight set that landed out of order is set back by the next reconcile (DNS_REPAIRED).
   * Switch back to 1 once the quota is raised (`seedshield preflight` says when it can be).
   * @default 1
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  reservedConcurrency: z
    .union([z.literal(1), z.literal('none')], {
      error: 'must be 1 (one decision at a time) or "none" (no reservation, for an account whose Lambda concurrency cannot leave 100 unreserved). Fix: 1, or "none" until the "Concurrent executions" quota is raised',
    })
    .default(1),
  /** Minutes an alarm may sit in INSUFFICIENT_DATA (holding its cluster: no isolation, no restore) before on-call is paged. @default 15 */
  insufficientDataPageMinutes: z.number().int().min(1).max(1440).default(15),
  notifications: z
    .strictObject({
      email: z.email({ error: 'must be an e-mail address' }).optional(),
      topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:/, { error: 'must be an SNS topic ARN' }).optional(),
    })
    .refine((n) => n.email !== undefined || n.topicArn !== undefined, {
      error: 'needs "email" or "topicArn" (or both): on-call must hear about every decision',
    }),
});

const sha256Hex = (field: string) =>
  z.string().regex(/^[0-9a-f]{64}$/, { error: `must be the 64-lower-case-hex-digit SHA-256 of the ${field}. Fix: \`sha256sum <file>\`` });

/**
 * Where a seed node gets the chain on its first start on an empty state (and after a dirty shutdown): one of
 * `url` or `s3`. The file is used only if its SHA-256 matches. A `.zst` or `.gz` suffix is decompressed
 * first; anything else is taken as spring's binary snapshot (`.bin`).
 */
export const NodeosSnapshotSchema = z
  .strictObject({
    /** HTTPS URL of one snapshot file (not a "latest" link: the hash pins one file). */
    url: z.string().regex(/^https:\/\/[^\s'"\\]+$/, { error: 'must be an https:// URL of one snapshot file. Fix: e.g. "https://snapshots.example.org/eos/snapshot-2026-11-30.bin.zst"' }).optional(),
    /** An S3 object in your account: the seed nodes' role may read exactly this object (s3:GetObject). */
    s3: z
      .strictObject({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }),
        key: z.string().regex(/^[A-Za-z0-9!_.*()/-]{1,1024}$/, { error: 'must be an S3 object key of letters, digits and !_.*()/- (no spaces or quotes)' }),
      })
      .optional(),
    /** SHA-256 of the file as downloaded (before decompression). */
    sha256: sha256Hex('snapshot file as downloaded'),
  })
  .refine((s) => (s.url === undefined) !== (s.s3 === undefined), {
    error: 'needs exactly one of "url" or "s3". Fix: e.g. { "s3": { "bucket": "my-snapshots", "key": "eos/snapshot.bin.zst" }, "sha256": "…" }',
  });

/** A genesis file committed to this repository, pinned by hash (for a chain young enough to sync from block 1). */
export const NodeosGenesisSchema = z.strictObject({
  /** Path relative to the repository root, e.g. "chains/my-testnet.genesis.json". */
  file: z.string().regex(/^[A-Za-z0-9_./-]+\.json$/, { error: 'must be a repository-relative path to a .json file' }),
  sha256: sha256Hex('genesis file'),
});

/** The chain the seed nodes serve, and how much of it they keep. */
export const NodeosChainSchema = z
  .strictObject({
    /** The chain id (`get_info.chain_id`). Seed ports open only once nodeos reports exactly this id. */
    id: z.string().regex(/^[0-9a-f]{64}$/, {
      error: 'must be the chain id as get_info reports it: 64 lower-case hex digits. Fix: EOS mainnet is "aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906"',
    }),
    snapshot: NodeosSnapshotSchema.optional(),
    genesis: NodeosGenesisSchema.optional(),
    /**
     * `chain-state-db-size-mb`: the state file's cap (sparse; nodeos stops when the state outgrows it). spring's
     * default, 1024, does not hold a mainnet state. @default 131072 (128 GiB, what EOS mainnet operators run)
     */
    chainStateDbSizeMb: z.number().int().min(1024).max(8 * 1024 * 1024, { error: 'must be at most 8388608 (8 TiB, spring\'s limit)' }).default(131072),
    /**
     * `block-log-retain-blocks`: recent blocks kept to serve syncing peers; older ones are pruned.
     * @default 172800 (one day of 0.5 s blocks)
     */
    blockLogRetainBlocks: z.number().int().min(7200, { error: 'must be at least 7200 (one hour of blocks): a seed serves recent blocks to syncing peers' }).default(172800),
    /**
     * Minutes a new node may take to download and load the snapshot before the chain check gives up and the
     * Auto Scaling group's load balancer health check may replace it. @default 120
     */
    bootGraceMinutes: z.number().int().min(15).max(1440).default(120),
  })
  .refine((c) => (c.snapshot === undefined) !== (c.genesis === undefined), {
    error: 'needs exactly one of "snapshot" or "genesis". Fix: a snapshot for a chain as old as EOS mainnet (syncing from genesis takes months), a genesis file for a new chain',
  });

/** The pinned Antelope release the seed nodes run. */
export const NodeosSchema = z.strictObject({
  /** Release tag of AntelopeIO/spring. */
  version: z.string().regex(/^\d+\.\d+\.\d+$/, { error: 'must be a release version like "1.2.2"' }),
  /**
   * SHA-256 of the release .deb: when set, user data refuses to install anything else.
   * @default - not verified; synth warns (seedshield:nodeosUnverified)
   */
  packageSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be the 64-hex-digit SHA-256 of the release package' }).optional(),
  /** Peers from one host allowed at once; only meaningful because the NLB preserves client IPs. @default 2 */
  p2pMaxNodesPerHost: z.number().int().min(1).max(100).default(2),
  /** `max-clients`: inbound p2p connections at once (spring's default 25 is a private node's). @default 250 */
  maxClients: z.number().int().min(1, { error: 'must be at least 1 (0 would mean unlimited, which a public seed under attack must not be)' }).max(2000).default(250),
  /** `agent-name` announced to peers. @default "seedshield" */
  agentName: z.string().regex(/^[A-Za-z0-9 _.-]{1,64}$/).default('seedshield'),
  /**
   * Secrets Manager secret (name) holding `peer-private-key` for the authenticated link to the BP: the JSON pair
   * `["PUB_K1_…","PVT_K1_…"]` (or legacy `["EOS…","5…"]`).
   */
  peerKeySecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/),
  /** The chain: id, snapshot or genesis, state size and block retention. */
  chain: NodeosChainSchema,
});

/**
 * One rule of the GuardDuty finding policy, from the config: checked before the built-in table
 * (`lambdas/core/finding-policy.ts`), first match wins.
 */
export const FindingRuleSchema = z
  .strictObject({
    /** A finding type, exactly, or a prefix ending in `*`. */
    type: z.string().regex(/^[A-Za-z]+:[A-Za-z0-9]+\/[A-Za-z0-9&.!_-]*\*?$/, {
      error: (i) =>
        `must be a GuardDuty finding type (ThreatPurpose:ResourceTypeAffected/ThreatFamilyName...), optionally ending in "*" for a prefix, got: ${JSON.stringify(i.input)}. Fix: e.g. "CryptoCurrency:EC2/BitcoinTool.B" or "Trojan:EC2/*"`,
    }),
    /** Only when the instance has this `service.resourceRole`. @default - any */
    role: z.enum(['ACTOR', 'TARGET'], { error: 'must be "ACTOR" or "TARGET" (service.resourceRole)' }).optional(),
    /** Only for this connection direction. @default - any */
    direction: z.enum(['INBOUND', 'OUTBOUND'], { error: 'must be "INBOUND" or "OUTBOUND" (connectionDirection)' }).optional(),
    class: z.enum(FINDING_CLASSES as [FindingClass, ...FindingClass[]], { error: `must be one of ${FINDING_CLASSES.map((c) => `"${c}"`).join(', ')}` }),
    /** Why: shown in every decision the rule takes. */
    reason: z.string().min(1, { error: 'must say why (it is shown to on-call in every decision the rule takes)' }),
    /** Archive these findings at GuardDuty (suppression filter). @default false */
    suppress: z.boolean().optional(),
  })
  .refine((r) => r.suppress !== true || (r.class === 'expected-on-blockchain-node' && !r.type.endsWith('*') && r.role === undefined && r.direction === undefined), {
    error:
      'suppress: true is only allowed on an "expected-on-blockchain-node" rule for one exact type without role or direction: archived findings reach nobody, so only noise for a seed node may be suppressed. Fix: remove "suppress" or make the rule an exact expected-on-blockchain-node type',
    path: ['suppress'],
  });

/** A regional GuardDuty detector the clusters of that region report to. */
export const GuardDutyDetectorSchema = z.strictObject({
  /** The detector id (`aws guardduty list-detectors`); synth does no lookups. */
  detectorId: z.string().regex(/^[A-Za-z0-9]{1,300}$/, { error: 'must be a GuardDuty detector id (aws guardduty list-detectors). Fix: e.g. "12abc34d567e8fa901bc2d34eexample"' }),
  /**
   * Whether seedshield may add filters to it. False when another team (e.g. a delegated administrator) owns
   * the detector: seedshield then creates no suppression filter in that region and synth says so.
   */
  ownedBySeedshield: z.boolean(),
});

/** How seedshield treats GuardDuty findings. */
export const GuardDutySchema = z.strictObject({
  /** Rules checked before the built-in finding policy. @default [] */
  findingPolicy: z.array(FindingRuleSchema).default([]),
  /**
   * Archive the findings GuardDuty documents as expected on a blockchain node (the rules marked `suppress`), on
   * seedshield's instances only, with an `AWS::GuardDuty::Filter` per cluster. Archived findings reach nobody.
   * @default false
   */
  suppressExpectedFindings: z.boolean().default(false),
  /** Detector per cluster region, needed for the suppression filters. @default {} */
  detectors: z.record(awsRegion, GuardDutyDetectorSchema).default({}),
});

export const ProtectionSchema = z.strictObject({
  /** True only when the account has an active Shield Advanced subscription (it is not a CloudFormation resource). */
  shieldAdvanced: z.boolean(),
  /**
   * Associate each cluster's Route 53 health check with its Shield protections (health-based detection).
   * Shield wants a health check that is healthy when it is associated, and a first deploy has no healthy seed
   * node yet: deploy with false, and set true once `aws route53 get-health-check-status` reports the
   * cluster's `seedshield <cluster> healthy hosts` check healthy.
   * @see https://docs.aws.amazon.com/waf/latest/developerguide/ddos-advanced-health-checks.html
   * @default false
   */
  shieldHealthBasedDetection: z.boolean().default(false),
  /**
   * When a Shield `DDoSDetected` alarm isolates a cluster.
   * - `always`: on its own.
   * - `with-impact`: only together with unhealthy targets, a traffic surge or an attack-on-us GuardDuty finding
   *   within `ddosImpactWindowMinutes`; alone it sends a WARNING (Shield mitigates at the edge by itself).
   * @default "always"
   */
  isolateOnDdos: z.enum(['always', 'with-impact'], { error: 'must be "always" or "with-impact"' }).default('always'),
  /** How far apart a DDoS reading and its corroboration may be (with-impact). @default 30 */
  ddosImpactWindowMinutes: positiveInt('minutes', 1440).default(30),
  /** GuardDuty finding policy and suppression. */
  guardDuty: GuardDutySchema.default({ findingPolicy: [], suppressExpectedFindings: false, detectors: {} }),
});

/** The whole configuration file. */
export const SeedshieldConfigSchema = z.strictObject({
  /** JSON-schema pointer for editors; ignored. */
  $schema: z.string().optional(),
  sites: z.array(SiteSchema).min(1),
  clusters: z.array(ClusterSchema).min(1),
  physicalSeedCluster: ExternalClusterSchema,
  /** Seed clusters at other providers, in DNS by endpoints only. @default [] */
  externalClusters: z.array(ExternalClusterSchema).default([]),
  dns: DnsSchema,
  controlPlane: ControlPlaneSchema,
  nodeos: NodeosSchema,
  protection: ProtectionSchema,
});

/** The validated, defaulted configuration. Deeply frozen once loaded. */
export type SeedshieldConfig = z.output<typeof SeedshieldConfigSchema>;
export type SiteConfig = SeedshieldConfig['sites'][number];
export type ClusterConfig = SeedshieldConfig['clusters'][number];
export type ExternalClusterConfig = SeedshieldConfig['physicalSeedCluster'];
export type AlarmThresholds = ClusterConfig['alarms'];
export type ProtectionConfig = SeedshieldConfig['protection'];
export type FindingRuleConfig = ProtectionConfig['guardDuty']['findingPolicy'][number];
