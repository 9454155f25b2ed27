/**
 * The analysis behind `seedshield review`: two synthesized cloud assemblies (and the two configurations they
 * came from) in, one {@link ReviewReport} out, rendered as text, Markdown or JSON. Pure: no git, no
 * processes, no AWS (the orchestration is in `review.ts`).
 *
 * The template diff is CDK's own engine (`@aws-cdk/cloudformation-diff`, what `cdk diff` prints), run on
 * the base and the new template of every stack. Above it, a summary a reviewer reads in ten seconds:
 * - per cluster, what changed in its configuration, field by field (weights, thresholds, node settings),
 *   and the same for the policy (`controlPlane`) and the rest of the file;
 * - inside JSON-valued properties (the runtime topology the control plane reads), the changed fields rather
 *   than one replaced blob;
 * - every resource that will or may be replaced, or is removed, with a loud warning when it is one that holds
 *   state or an isolation depends on (state table, Elastic IPs, the NLB, its security group, the ACLs);
 * - IAM statement and security-group rule changes, as in `cdk diff`'s security section.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { formatDifferences, fullDiff, ResourceImpact, type TemplateDiff } from '@aws-cdk/cloudformation-diff';

// ---------------------------------------------------------------- the report

/** One changed field: `path` in the object it belongs to, old and new value (`undefined`: absent). */
export interface FieldChange {
  readonly path: string;
  readonly old?: unknown;
  readonly new?: unknown;
}

/** A cluster (cloud, physical or external) whose configuration changed. */
export interface ClusterChange {
  readonly id: string;
  /** `added` / `removed` when the id is only on one side. */
  readonly change: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
}

/** Configuration changes, from the two config files. */
export interface ConfigSummary {
  readonly clusters: readonly ClusterChange[];
  /** `controlPlane.*`: thresholds, timings, isolation switches, notifications. */
  readonly policy: readonly FieldChange[];
  /** Everything else (`sites`, `dns`, `nodeos`, `protection`, ...). */
  readonly other: readonly FieldChange[];
  /** Why the config part is missing, if it is (e.g. the base has no such file). */
  readonly note?: string;
}

/** A resource that will or may be replaced, or is removed. */
export interface ReplacementRisk {
  readonly stack: string;
  readonly logicalId: string;
  readonly path?: string;
  readonly type: string;
  readonly impact: 'WILL_REPLACE' | 'MAY_REPLACE' | 'WILL_DESTROY' | 'WILL_ORPHAN';
  /** The properties whose change causes it (empty for a removal). */
  readonly causes: readonly string[];
  /** Why this one is dangerous (state table, EIP, NLB, its SG, isolation ACL), when it is. */
  readonly critical?: string;
}

/** A field that changed inside a property value that is itself JSON (e.g. the runtime topology). */
export interface EmbeddedJsonChange extends FieldChange {
  readonly stack: string;
  readonly logicalId: string;
  /** Where the JSON string sits in the resource, e.g. `Environment.Variables.SEEDSHIELD_TOPOLOGY`. */
  readonly property: string;
}

/** One table of `cdk diff`'s security section. */
export interface SecurityTable {
  readonly title: 'IAM statements' | 'IAM managed policies' | 'Security group rules';
  readonly rows: readonly string[][];
}

/** One stack's comparison. */
export interface StackReview {
  readonly stack: string;
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly resourceChanges: number;
  /** Count of changed resources per impact. */
  readonly impacts: Readonly<Record<string, number>>;
  /**
   * `cdk diff`'s security tables: IAM statements, managed policies, security-group rules. First row of each
   * is its header; rows start with `+` (added) or `-` (removed).
   */
  readonly security: readonly SecurityTable[];
  readonly permissionsBroadened: boolean;
  /** `cdk diff`'s own rendering of this stack's differences (no colours). */
  readonly diffText: string;
}

/** Everything `seedshield review` found. */
export interface ReviewReport {
  readonly base: { readonly ref: string; readonly commit: string };
  readonly config: ConfigSummary;
  readonly replacements: readonly ReplacementRisk[];
  readonly embeddedJson: readonly EmbeddedJsonChange[];
  readonly stacks: readonly StackReview[];
  /** Whether anything at all differs in any template (or a stack is added or removed). */
  readonly hasChanges: boolean;
}

// ---------------------------------------------------------------- configuration summary

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether every element is an object with a string `id`: such arrays are compared by id, not by position. */
function keyedById(v: Json): v is { id: string }[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isObject(e) && typeof e.id === 'string');
}

/**
 * Field-by-field differences between two JSON values: `a.b[2].c` paths, arrays of `{ id }` objects keyed
 * by id (`clusters[eu-north].weight`), so that inserting a cluster does not shift every later one.
 */
export function diffJson(oldValue: Json, newValue: Json, prefix = ''): FieldChange[] {
  if (JSON.stringify(oldValue) === JSON.stringify(newValue)) return [];
  // An object that appears or disappears is shown field by field too (`alarms.minHealthyHosts (absent) → 2`).
  if ((isObject(oldValue) || oldValue === undefined) && (isObject(newValue) || newValue === undefined)) {
    const o = oldValue ?? {};
    const n = newValue ?? {};
    const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])];
    return keys.flatMap((k) => diffJson(o[k], n[k], prefix ? `${prefix}.${k}` : k));
  }
  if ((keyedById(oldValue) || oldValue === undefined) && (keyedById(newValue) || newValue === undefined) && (oldValue ?? newValue) !== undefined) {
    const o = new Map((oldValue ?? []).map((e) => [e.id, e] as const));
    const n = new Map((newValue ?? []).map((e) => [e.id, e] as const));
    const ids = [...new Set([...o.keys(), ...n.keys()])];
    return ids.flatMap((id) => diffJson(o.get(id), n.get(id), `${prefix}[${id}]`));
  }
  if (Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length === newValue.length && oldValue.every((e) => typeof e === 'object' && e !== null)) {
    return oldValue.flatMap((e, i) => diffJson(e, newValue[i], `${prefix}[${i}]`));
  }
  return [{ path: prefix || '(root)', old: oldValue, new: newValue }];
}

/**
 * Compares two raw configuration files (not validated: the base may follow an older schema). Clusters are
 * matched by id across `clusters`, `physicalSeedCluster` and `externalClusters`.
 */
export function summarizeConfig(oldRaw: Json, newRaw: Json): ConfigSummary {
  const clustersOf = (raw: Json): Map<string, Json> => {
    const out = new Map<string, Json>();
    if (!isObject(raw)) return out;
    const all = [
      ...(Array.isArray(raw.clusters) ? raw.clusters : []),
      ...(raw.physicalSeedCluster ? [raw.physicalSeedCluster] : []),
      ...(Array.isArray(raw.externalClusters) ? raw.externalClusters : []),
    ];
    for (const c of all) if (isObject(c) && typeof c.id === 'string') out.set(c.id, c);
    return out;
  };
  const o = clustersOf(oldRaw);
  const n = clustersOf(newRaw);
  const clusters: ClusterChange[] = [];
  for (const id of [...new Set([...o.keys(), ...n.keys()])]) {
    const before = o.get(id);
    const after = n.get(id);
    if (before === undefined) clusters.push({ id, change: 'added', fields: diffJson({}, after) });
    else if (after === undefined) clusters.push({ id, change: 'removed', fields: [] });
    else {
      // The id is the key; a cluster moving between clusters/physical/external would show as its fields.
      const fields = diffJson(before, after);
      if (fields.length > 0) clusters.push({ id, change: 'changed', fields });
    }
  }
  const section = (raw: Json, key: string): Json => (isObject(raw) ? raw[key] : undefined);
  const policy = diffJson(section(oldRaw, 'controlPlane'), section(newRaw, 'controlPlane'));
  const rest = (raw: Json): Json => {
    if (!isObject(raw)) return {};
    const { clusters: _c, physicalSeedCluster: _p, externalClusters: _e, controlPlane: _cp, ...others } = raw;
    return others;
  };
  return { clusters, policy, other: diffJson(rest(oldRaw), rest(newRaw)) };
}

// ---------------------------------------------------------------- assemblies

/** One stack of a synthesized cloud assembly. */
export interface AssemblyStack {
  readonly name: string;
  readonly template: Record<string, unknown>;
  /** Logical id to construct path, from the manifest's metadata. */
  readonly paths: Record<string, string>;
}

interface ManifestArtifact {
  type: string;
  displayName?: string;
  properties?: { templateFile?: string; stackName?: string };
  metadata?: Record<string, { type: string; data?: unknown }[]>;
}

/** Reads every CloudFormation stack of the cloud assembly in `dir` (`cdk.out` layout). */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile)
    .map(([id, a]) => {
      const paths: Record<string, string> = {};
      for (const [constructPath, entries] of Object.entries(a.metadata ?? {})) {
        for (const e of entries) if (e.type === 'aws:cdk:logicalId' && typeof e.data === 'string') paths[e.data] = constructPath;
      }
      return {
        name: a.properties?.stackName ?? a.displayName ?? id,
        template: JSON.parse(fs.readFileSync(path.join(dir, a.properties!.templateFile!), 'utf8')) as Record<string, unknown>,
        paths,
      };
    })
    .sort((x, y) => x.name.localeCompare(y.name));
}

// ---------------------------------------------------------------- template analysis

/**
 * Resource types whose replacement loses something an operator cannot get back by redeploying, or breaks
 * an isolation in force: the table that remembers isolations, the addresses peers and Shield know, the
 * load balancer on them, and the network ACLs whose reserved rules hold the control plane's deny entries.
 */
const CRITICAL_TYPES: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'the control plane state table: isolations, jobs and the journal live there',
  'AWS::DynamoDB::GlobalTable': 'the control plane state table: isolations, jobs and the journal live there',
  'AWS::EC2::EIP': 'an Elastic IP: peers, DNS records and the Shield Advanced protection know this address',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': "the cluster's NLB: a new one gets new addresses and drops every peer connection",
  'AWS::EC2::NetworkAcl': 'a network ACL an isolation cuts with: deny entries in force are lost with it',
  'AWS::EC2::SubnetNetworkAclAssociation': 'ties a subnet to the ACL an isolation cuts with',
  'AWS::Shield::Protection': 'the Shield Advanced protection of an Elastic IP',
};

const RISKY_IMPACTS = new Set<string>([ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY, ResourceImpact.WILL_ORPHAN]);

/** Logical ids of the security groups a load balancer in `template` uses (`SecurityGroups: [{ Fn::GetAtt | Ref }]`). */
function loadBalancerSecurityGroups(template: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  const resources = (template?.Resources ?? {}) as Record<string, { Type?: string; Properties?: { SecurityGroups?: unknown[] } }>;
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::ElasticLoadBalancingV2::LoadBalancer') continue;
    for (const sg of r.Properties?.SecurityGroups ?? []) {
      const ref = isObject(sg) ? (sg.Ref ?? (Array.isArray(sg['Fn::GetAtt']) ? sg['Fn::GetAtt'][0] : undefined)) : undefined;
      if (typeof ref === 'string') out.add(ref);
    }
  }
  return out;
}

function tryParseJsonObject(text: unknown): Json | undefined {
  if (typeof text !== 'string' || !/^\s*[[{]/.test(text)) return undefined;
  try {
    const v = JSON.parse(text) as Json;
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Walks two property values side by side; where both are JSON documents in strings, diffs their fields. */
function embeddedJsonChanges(oldValue: Json, newValue: Json, where: string): { property: string; changes: FieldChange[] }[] {
  if (JSON.stringify(oldValue) === JSON.stringify(newValue)) return [];
  const oldDoc = tryParseJsonObject(oldValue);
  const newDoc = tryParseJsonObject(newValue);
  if (oldDoc !== undefined && newDoc !== undefined) return [{ property: where, changes: diffJson(oldDoc, newDoc) }];
  if (isObject(oldValue) && isObject(newValue)) {
    return [...new Set([...Object.keys(oldValue), ...Object.keys(newValue)])].flatMap((k) => embeddedJsonChanges(oldValue[k], newValue[k], `${where}.${k}`));
  }
  if (Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length === newValue.length) {
    return oldValue.flatMap((v, i) => embeddedJsonChanges(v, newValue[i], `${where}[${i}]`));
  }
  return [];
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Removes terminal colour codes (the diff engine colours its output with chalk). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function renderDiff(diff: TemplateDiff, paths: Record<string, string>): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  formatDifferences(sink, diff, paths);
  return stripAnsi(out).trimEnd();
}

function resourcePath(paths: Record<string, string>, resource: Record<string, unknown> | undefined, logicalId: string): string | undefined {
  const meta = resource?.Metadata as Record<string, unknown> | undefined;
  return (typeof meta?.['aws:cdk:path'] === 'string' ? (meta['aws:cdk:path']) : undefined) ?? paths[logicalId];
}

/** Compares two assemblies stack by stack and builds the report (config summary given by the caller). */
export function reviewAssemblies(
  base: readonly AssemblyStack[],
  head: readonly AssemblyStack[],
  config: ConfigSummary,
  ref: { ref: string; commit: string },
): ReviewReport {
  const byName = (list: readonly AssemblyStack[]) => new Map(list.map((s) => [s.name, s] as const));
  const o = byName(base);
  const n = byName(head);
  const names = [...new Set([...o.keys(), ...n.keys()])].sort();
  const replacements: ReplacementRisk[] = [];
  const embeddedJson: EmbeddedJsonChange[] = [];
  const stacks: StackReview[] = [];

  for (const name of names) {
    const before = o.get(name);
    const after = n.get(name);
    const diff = fullDiff(before?.template ?? {}, after?.template ?? {});
    const paths = { ...(before?.paths ?? {}), ...(after?.paths ?? {}) };
    const nlbGroups = new Set([...loadBalancerSecurityGroups(before?.template), ...loadBalancerSecurityGroups(after?.template)]);
    const impacts: Record<string, number> = {};
    diff.resources.forEachDifference((logicalId, rd) => {
      if (!rd.isDifferent) return;
      impacts[rd.changeImpact] = (impacts[rd.changeImpact] ?? 0) + 1;
      const type = rd.newResourceType ?? rd.oldResourceType ?? 'unknown';
      if (after && before && RISKY_IMPACTS.has(rd.changeImpact)) {
        const causes = Object.entries(rd.propertyUpdates)
          .filter(([, p]) => p.changeImpact === ResourceImpact.WILL_REPLACE || p.changeImpact === ResourceImpact.MAY_REPLACE)
          .map(([k]) => k);
        const critical = CRITICAL_TYPES[type] ?? (type === 'AWS::EC2::SecurityGroup' && nlbGroups.has(logicalId) ? "the NLB's security group: the control plane's internet switch" : undefined);
        replacements.push({
          stack: name,
          logicalId,
          path: resourcePath(paths, (rd.oldValue ?? rd.newValue), logicalId),
          type,
          impact: rd.changeImpact as ReplacementRisk['impact'],
          causes,
          ...(critical ? { critical } : {}),
        });
      }
      if (rd.isUpdate) {
        for (const [prop, pd] of Object.entries(rd.propertyUpdates)) {
          for (const { property, changes } of embeddedJsonChanges(pd.oldValue, pd.newValue, prop)) {
            for (const c of changes) embeddedJson.push({ stack: name, logicalId, property, ...c });
          }
        }
      }
    });
    const security: SecurityTable[] = [];
    const add = (title: SecurityTable['title'], rows: string[][]) => {
      if (rows.length > 1) security.push({ title, rows: rows.map((r) => r.map((cell) => stripAnsi(cell))) });
    };
    if (diff.iamChanges.hasChanges) {
      add('IAM statements', diff.iamChanges.summarizeStatements());
      add('IAM managed policies', diff.iamChanges.summarizeManagedPolicies());
    }
    if (diff.securityGroupChanges.hasChanges) add('Security group rules', diff.securityGroupChanges.summarize());
    const change = !before ? 'added' : !after ? 'removed' : diff.isEmpty ? 'unchanged' : 'changed';
    stacks.push({
      stack: name,
      change,
      resourceChanges: diff.resources.differenceCount,
      impacts,
      security,
      permissionsBroadened: diff.permissionsBroadened,
      diffText: diff.isEmpty ? '' : renderDiff(diff, paths),
    });
    if (!after || !before) {
      // A whole stack removed takes its resources with it: list the critical ones.
      if (before && !after) {
        const resources = (before.template.Resources ?? {}) as Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
        for (const [logicalId, r] of Object.entries(resources)) {
          const critical = CRITICAL_TYPES[r.Type];
          if (critical) replacements.push({ stack: name, logicalId, path: resourcePath(paths, r, logicalId), type: r.Type, impact: 'WILL_DESTROY', causes: [], critical });
        }
      }
    }
  }
  return {
    base: ref,
    config,
    replacements,
    embeddedJson,
    stacks,
    hasChanges: stacks.some((s) => s.change !== 'unchanged'),
  };
}

// ---------------------------------------------------------------- rendering

/** Output formats of `seedshield review`. */
export type ReviewFormat = 'text' | 'markdown' | 'json';

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const IMPACT_WORDS: Record<string, string> = {
  WILL_REPLACE: 'will be replaced',
  MAY_REPLACE: 'may be replaced',
  WILL_DESTROY: 'is removed',
  WILL_ORPHAN: 'leaves CloudFormation (orphaned)',
};

/** Renders the report. Markdown is ready to paste into (or post as) a pull-request comment. */
export function renderReview(report: ReviewReport, format: ReviewFormat): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const md = format === 'markdown';
  const lines: string[] = [];
  const h = (level: number, text: string) => lines.push(md ? `${'#'.repeat(level)} ${text}` : level <= 2 ? `\n== ${text}` : `\n-- ${text}`);
  const code = (text: string) => (md ? `\`${text.replace(/`/g, "'")}\`` : text);
  const changed = report.stacks.filter((s) => s.change !== 'unchanged');

  h(2, `seedshield review against ${report.base.ref} (${report.base.commit.slice(0, 12)})`);
  if (!report.hasChanges && report.config.clusters.length === 0 && report.config.policy.length === 0 && report.config.other.length === 0) {
    lines.push('No change: every stack synthesizes to the same template.');
    return lines.join('\n');
  }
  lines.push(
    `${changed.length} of ${report.stacks.length} stacks change${changed.length ? ': ' + changed.map((s) => `${code(s.stack)} (${s.change})`).join(', ') : ''}. ` +
      `${report.replacements.length === 0 ? 'Nothing is replaced or removed.' : `${report.replacements.length} resource(s) replaced or removed (see below).`}`,
  );

  // Loud first: what an isolation or the control plane's memory depends on.
  const critical = report.replacements.filter((r) => r.critical);
  if (critical.length > 0) {
    lines.push('');
    lines.push(md ? '> [!CAUTION]' : '!!! WARNING: critical resources replaced or removed');
    for (const r of critical) {
      const text = `${r.stack} ${r.path ?? r.logicalId} (${r.type}) ${IMPACT_WORDS[r.impact]}${r.causes.length ? ` (by ${r.causes.join(', ')})` : ''}: ${r.critical}`;
      lines.push(md ? `> **${text}**` : `!!! ${text}`);
    }
  }

  h(3, 'Clusters');
  if (report.config.note) lines.push(report.config.note);
  if (report.config.clusters.length === 0) lines.push('No cluster configuration changed.');
  for (const c of report.config.clusters) {
    if (c.change !== 'changed') lines.push(md ? `- **${c.id}**: ${c.change}` : `${c.id}: ${c.change}`);
    else {
      const fields = c.fields.map((f) => `${f.path} ${show(f.old)} → ${show(f.new)}`);
      lines.push(md ? `- **${c.id}**: ${fields.map(code).join(', ')}` : `${c.id}: ${fields.join(', ')}`);
    }
  }
  const fieldList = (title: string, fields: readonly FieldChange[]) => {
    if (fields.length === 0) return;
    h(3, title);
    for (const f of fields) lines.push(md ? `- ${code(f.path)}: ${code(show(f.old))} → ${code(show(f.new))}` : `${f.path}: ${show(f.old)} → ${show(f.new)}`);
  };
  fieldList('Policy (controlPlane)', report.config.policy);
  fieldList('Other configuration', report.config.other);

  if (report.embeddedJson.length > 0) {
    h(3, 'Inside JSON values (runtime topology and the like)');
    for (const e of report.embeddedJson) {
      const where = `${e.stack} ${e.logicalId} ${e.property}`;
      lines.push(md ? `- ${code(where)}: ${code(e.path)} ${code(show(e.old))} → ${code(show(e.new))}` : `${where}: ${e.path} ${show(e.old)} → ${show(e.new)}`);
    }
  }

  h(3, 'Replaced or removed resources');
  if (report.replacements.length === 0) lines.push('None: every change is an in-place update or an addition.');
  for (const r of report.replacements) {
    const text = `${r.stack} ${r.path ?? r.logicalId} (${r.type}) ${IMPACT_WORDS[r.impact]}${r.causes.length ? ` by ${r.causes.join(', ')}` : ''}`;
    lines.push(md ? `- ${r.critical ? '**' : ''}${text}${r.critical ? '**' : ''}` : `${r.critical ? '!!! ' : ''}${text}`);
  }
  if (report.replacements.some((r) => r.impact === 'MAY_REPLACE')) {
    lines.push('("may be replaced": the template alone cannot tell a real replacement from a cosmetic change, e.g. a token that resolves to the same value.)');
  }

  h(3, 'Security changes (IAM and security groups)');
  const withSecurity = report.stacks.filter((s) => s.security.length > 0);
  if (withSecurity.length === 0) lines.push('None.');
  for (const s of withSecurity) {
    for (const t of s.security) {
      const [header, ...rows] = t.rows;
      const title = `${s.stack}: ${t.title}${s.permissionsBroadened && t.title !== 'Security group rules' ? ' (permissions broadened)' : ''}`;
      if (md) {
        lines.push('', `**${title}**`, '', `| ${header.map((c) => c || ' ').join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
        for (const r of rows) lines.push(`| ${r.map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, '<br>')).join(' | ')} |`);
      } else {
        lines.push(`${title}:`);
        for (const r of rows) lines.push(`  ${r.map((c) => c.replace(/\n/g, ' ')).join('  ')}`);
      }
    }
  }

  h(3, 'Full diff per stack');
  for (const s of report.stacks) {
    if (s.change === 'unchanged') continue;
    if (md) lines.push('<details>', `<summary>${s.stack} (${s.change}, ${s.resourceChanges} resource change${s.resourceChanges === 1 ? '' : 's'})</summary>`, '', '```diff', s.diffText, '```', '</details>');
    else lines.push(`\nStack ${s.stack} (${s.change})`, s.diffText);
  }
  const unchanged = report.stacks.filter((s) => s.change === 'unchanged').map((s) => s.stack);
  if (unchanged.length > 0) lines.push('', `Unchanged: ${unchanged.join(', ')}`);
  return lines.join('\n');
}
