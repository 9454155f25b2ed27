/**
 * The runtime contract between the CDK app and the control plane: the topology (clusters, DNS, sites, the
 * safety policy) the core decides over, as a zod schema the core owns.
 *
 * The CDK side produces it (lib/config/topology.ts, from the validated config) and writes it as SSM
 * parameters; the Lambda reads them once at cold start and validates them here, so a topology the core cannot
 * act on fails with one named error (InvalidTopologyError) before any decision, never as a type cast.
 *
 * Extending it: add the field to the schema (with `z.optional()` or `z._default()` when older stacks may lack
 * it); the type follows. Every object is strict, so a field one side writes and the other does not know is an
 * error at the first cold start (and in test/lambdas/core/topology-schema.test.ts), not a silently ignored key.
 *
 * This module is pure: zod only (zod/mini, see ../zod.ts), no I/O, no clock.
 */
import * as z from '../zod';
import { InvalidTopologyError } from '../errors';
import { FINDING_CLASSES, type FindingClass } from './finding-policy';

/** An integer (classic zod's `z.number().int()`) with further checks, e.g. `int(z.gte(0))`. */
function int(...checks: z.core.$ZodCheck<number>[]) {
  return z.number().check(z.int(), ...checks);
}

/** A string of at least one character (classic zod's `z.string().min(1)`). */
function nonEmpty() {
  return z.string().check(z.minLength(1));
}

/** Route 53 record types a weighted record set can have. */
export const RECORD_TYPES = ['A', 'AAAA'] as const;

/** A seed cluster as the control plane sees it. */
export const TopologyClusterSchema = z
  .readonly(
    z.strictObject({
      id: z.string().check(z.regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a DNS-safe id (lower-case letters, digits, inner hyphens)')),
      /** `aws`: a seedshield VPC the control plane can cut; `external`: DNS weight is its only lever. */
      kind: z.enum(['aws', 'external']),
      /** Region of the cluster's resources (aws clusters only). */
      region: z.optional(z.string().check(z.minLength(1))),
      /** Account of the cluster's resources (aws clusters only). */
      account: z.optional(z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'))),
      /** Route 53 weight when fully in service. */
      baseWeight: int(z.gte(0), z.lte(255)),
      /** Whether this cluster counts towards `minHealthyClusters`. */
      countsTowardsMinimum: z.boolean(),
      /**
       * The record types of its weighted record set. Route 53 weighs each type as its own group, so the
       * all-weights-zero rule holds per type. Absent means `['A']`.
       */
      recordTypes: z.optional(z.readonly(z.array(z.enum(RECORD_TYPES)).check(z.minLength(1)))),
    }),
  )
  .check(
    z.superRefine((c, ctx) => {
      if (c.kind === 'aws' && (c.region === undefined || c.account === undefined)) {
        ctx.addIssue({ code: 'custom', path: [c.region === undefined ? 'region' : 'account'], message: 'an aws cluster needs its region and account' });
      }
    }),
  );
export type TopologyCluster = z.infer<typeof TopologyClusterSchema>;

/** Tunables of the safety policy, in minutes and counts. */
export const TopologyPolicySchema = z.readonly(
  z.strictObject({
    minHealthyClusters: int(z.gte(1)),
    cooldownMinutes: int(z.gte(0)),
    quietPeriodMinutes: int(z.gte(0)),
    maxIsolationsPerWindow: int(z.gte(1)),
    isolationWindowMinutes: int(z.gte(1)),
    /** Serving percents of the restore ramp's stages; the last one is 100 (fully back). */
    restoreRampPercent: z
      .readonly(z.array(z.number().check(z.gt(0), z.lte(100))).check(z.minLength(1)))
      .check(z.refine((ramp) => ramp[ramp.length - 1] === 100, 'the last stage must be 100')),
    restoreRampStepMinutes: int(z.gte(1)),
    cutInternet: z.boolean(),
    cutBlockProducerPath: z.boolean(),
    /** When a `ddos` alarm isolates: on its own (`always`), or only with corroboration (`with-impact`). Absent means `always`. */
    isolateOnDdos: z.optional(z.enum(['always', 'with-impact'])),
    /** How far apart a DDoS reading and its corroboration may be, minutes. Absent means 30. */
    ddosImpactWindowMinutes: z.optional(int(z.gte(1))),
    /** Pin lifetime when the operator gives neither `--for` nor `--until`. Absent: see core/policy.ts. */
    pinDefaultMinutes: z.optional(int(z.gte(1))),
    /** Longest pin an operator may set. Absent: see core/policy.ts. */
    pinMaxMinutes: z.optional(int(z.gte(1))),
    /** Minutes an alarm may sit in INSUFFICIENT_DATA (holding its cluster) before on-call is paged. Absent: 15. */
    insufficientDataPageMinutes: z.optional(int(z.gte(1))),
    /**
     * Prove each isolation (and each restore) with VPC Reachability Analyzer. Absent means off: a control plane
     * deployed before the switch existed lacks the IAM grants the analyses need.
     */
    verifyReachability: z.optional(z.boolean()),
  }),
);
export type TopologyPolicy = z.infer<typeof TopologyPolicySchema>;

/** DNS record the weights are set on. */
export const TopologyDnsSchema = z.readonly(z.strictObject({ hostedZoneId: nonEmpty(), recordName: nonEmpty(), ttlSeconds: int(z.gte(0)) }));

/** Site CIDRs the BP path uses (isolation denies them on the cluster NACLs). */
export const TopologySiteCidrsSchema = z.readonly(z.strictObject({ ipv4: z.readonly(z.array(nonEmpty())), ipv6: z.readonly(z.array(nonEmpty())) }));

/** One rule of the GuardDuty finding policy (see ./finding-policy.ts, `FindingRule`). */
export const FindingRuleSchema = z.readonly(
  z.strictObject({
    id: nonEmpty(),
    type: nonEmpty(),
    role: z.optional(z.enum(['ACTOR', 'TARGET'])),
    direction: z.optional(z.enum(['INBOUND', 'OUTBOUND'])),
    class: z.enum(FINDING_CLASSES as readonly [FindingClass, ...FindingClass[]]),
    explanation: z.string(),
    source: z.string(),
    suppress: z.optional(z.boolean()),
  }),
);

/**
 * Every top-level field of the topology but the clusters. Each one travels in its own parameter (see
 * {@link topologyToParameters}): add a field here and it gets one.
 */
const TOPOLOGY_GLOBALS = {
  dns: TopologyDnsSchema,
  siteCidrs: TopologySiteCidrsSchema,
  policy: TopologyPolicySchema,
  /** The config's GuardDuty finding rules, checked before the built-in finding policy. Absent: the built-in policy only. */
  findingPolicy: z.optional(z.readonly(z.array(FindingRuleSchema))),
};

/** Everything the control plane needs to know about the deployment. */
export const RuntimeTopologySchema = z
  .readonly(z.strictObject({ clusters: z.readonly(z.array(TopologyClusterSchema).check(z.minLength(1))), ...TOPOLOGY_GLOBALS }))
  .check(
    z.superRefine((t, ctx) => {
      const seen = new Set<string>();
      t.clusters.forEach((c, i) => {
        if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['clusters', i, 'id'], message: `cluster id "${c.id}" appears twice` });
        seen.add(c.id);
      });
    }),
  );
export type RuntimeTopology = z.infer<typeof RuntimeTopologySchema>;

// ---------------------------------------------------------------- the carrier: one SSM parameter per cluster

/**
 * SSM path under which the control-plane stack writes the topology (home region): `<path>/globals` and one
 * `<path>/clusters/<id>` per cluster.
 *
 * Why SSM parameters and not the Lambda environment: the environment holds 4 KB in total and 20 clusters
 * already took ~3.6 KB as one JSON blob, so 50 clusters (and the fields later issues add) cannot fit. One
 * Standard-tier String parameter per cluster gives each cluster 4 KB of its own, costs nothing, and keeps a
 * review readable: `cdk diff` shows a change to one cluster as a change of that cluster's parameter, in
 * pretty-printed JSON. An S3 asset would show only a new hash; an Advanced-tier parameter (8 KB) costs money
 * and would still be one blob.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const TOPOLOGY_PARAMETER_PATH = '/seedshield/control-plane/topology';

/** Standard-tier parameter values hold at most 4 KB. */
export const TOPOLOGY_PARAMETER_MAX_BYTES = 4096;

/** The globals as they travel: every top-level field but the clusters, plus the clusters' order. */
const TopologyGlobalsSchema = z.strictObject({
  /** Every cluster id, in topology order (the order the core evaluates clusters in). */
  clusterIds: z.readonly(z.array(nonEmpty()).check(z.minLength(1))),
  ...TOPOLOGY_GLOBALS,
});

/** Name of the parameter holding one top-level field of the topology (or `clusterIds`). */
export function topologyGlobalParameterName(key: string, path: string = TOPOLOGY_PARAMETER_PATH): string {
  return `${path}/globals/${key}`;
}

/** Name of the parameter holding one cluster. */
export function topologyClusterParameterName(clusterId: string, path: string = TOPOLOGY_PARAMETER_PATH): string {
  return `${path}/clusters/${clusterId}`;
}

/**
 * The parameters that carry `topology`: name -> pretty-printed JSON (two-space indent, so a diff shows one
 * line per field). One per cluster, one per other top-level field, one for the clusters' order.
 */
export function topologyToParameters(topology: RuntimeTopology, path: string = TOPOLOGY_PARAMETER_PATH): Record<string, string> {
  const { clusters, ...globals } = topology;
  const out: Record<string, string> = { [topologyGlobalParameterName('clusterIds', path)]: pretty(clusters.map((c) => c.id)) };
  for (const [key, value] of Object.entries(globals)) if (value !== undefined) out[topologyGlobalParameterName(key, path)] = pretty(value);
  for (const c of clusters) out[topologyClusterParameterName(c.id, path)] = pretty(c);
  return out;
}

/**
 * Rebuilds and validates the topology from the parameters under `path` (as GetParametersByPath returns
 * them). Every listed cluster must have its parameter and no other cluster parameter may exist, so a half
 * written or hand-edited topology is refused, never guessed.
 * @throws InvalidTopologyError naming the parameter, the field and the fix
 */
export function topologyFromParameters(
  parameters: readonly { readonly name: string; readonly value: string }[],
  path: string = TOPOLOGY_PARAMETER_PATH,
): RuntimeTopology {
  const byName = new Map(parameters.map((p) => [p.name, p.value]));
  const globalsPrefix = topologyGlobalParameterName('', path);
  const raw: Record<string, unknown> = {};
  for (const [name, text] of byName) if (name.startsWith(globalsPrefix)) raw[name.slice(globalsPrefix.length)] = parseJson(name, text);
  const globals = TopologyGlobalsSchema.safeParse(raw);
  if (!globals.success) throw new InvalidTopologyError(`${globalsPrefix}*: ${describeIssues(globals.error)}; ${FIX}`, { cause: globals.error });
  const { clusterIds, ...rest } = globals.data;
  const expected = new Set(clusterIds.map((id) => topologyClusterParameterName(id, path)));
  const clusterPrefix = topologyClusterParameterName('', path);
  const extra = [...byName.keys()].filter((name) => name.startsWith(clusterPrefix) && !expected.has(name));
  if (extra.length > 0) throw new InvalidTopologyError(`${extra.join(', ')}: not listed in ${topologyGlobalParameterName('clusterIds', path)}; ${FIX}`);
  const clusters = clusterIds.map((id) => {
    const name = topologyClusterParameterName(id, path);
    const text = byName.get(name);
    if (text === undefined) throw new InvalidTopologyError(`${name} is missing (listed in ${topologyGlobalParameterName('clusterIds', path)}); ${FIX}`);
    const cluster = TopologyClusterSchema.safeParse(parseJson(name, text));
    if (!cluster.success) throw new InvalidTopologyError(`${name}: ${describeIssues(cluster.error)}; ${FIX}`, { cause: cluster.error });
    if (cluster.data.id !== id) throw new InvalidTopologyError(`${name}: id is "${cluster.data.id}", expected "${id}"; ${FIX}`);
    return cluster.data;
  });
  return parseTopology({ ...rest, clusters }, path);
}

/**
 * Validates a topology object (e.g. the drill's or the CLI's, derived from the config file).
 * @throws InvalidTopologyError naming the field
 */
export function parseTopology(value: unknown, source: string = 'the runtime topology'): RuntimeTopology {
  const result = RuntimeTopologySchema.safeParse(value);
  if (!result.success) throw new InvalidTopologyError(`${source}: ${describeIssues(result.error)}; ${FIX}`, { cause: result.error });
  return result.data;
}

const FIX = 'the control-plane stack writes these parameters from the config: fix the config and redeploy Seedshield-ControlPlane';

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidTopologyError(`${name} is not valid JSON; ${FIX}`, { cause: err });
  }
}

/** zod issues as `path: message`, joined: the field and what is wrong with it. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
