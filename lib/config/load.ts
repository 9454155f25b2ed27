/**
 * Loads and validates `seedshield.config.json`, once, at the edge: the rest of the code only ever sees a
 * deeply frozen {@link SeedshieldConfig}.
 *
 * Every problem becomes one {@link ConfigProblem} with the JSON path, what is wrong and how to fix it; all of
 * them are reported together so a user fixes the file in one pass.
 */
import * as fs from 'fs';
import { z } from 'zod';
import { SeedshieldError, type SeedshieldErrorOptions } from '../../lambdas/errors';
import { cidrsOverlap, parseCidr, ParsedCidr } from './cidr';
import { KNOWN_REGIONS } from './regions';
import { naclQuotaProblems } from './nacl-quota';
import { SeedshieldConfig, SeedshieldConfigSchema } from './schema';

/** One problem in the configuration file. */
export interface ConfigProblem {
  /** JSON path of the offending field, e.g. `clusters[1].vpcCidr`. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** The configuration is invalid; `problems` lists every problem found. */
export class ConfigError extends SeedshieldError {
  readonly code: string = 'INVALID_CONFIG';
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: SeedshieldErrorOptions,
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the seedshield configuration:\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
      options,
    );
  }
}

/** Renders a zod path as a JSON path: `clusters[1].seedNodes.count`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`))
    .join('');
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}. Fix: remove ${issue.keys.length > 1 ? 'them' : 'it'} or correct the spelling (see seedshield.config.json in the repo for every key)`;
    case 'invalid_type':
      return issue.input === undefined
        ? `is required (expected ${issue.expected}). Fix: add it`
        : `${issue.message}. Fix: give a ${issue.expected}`;
    default:
      return issue.message;
  }
}

/** Checks the relations between fields that the schema cannot express. */
export function crossFieldProblems(config: SeedshieldConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  // Every id ends up in DNS set identifiers, stack names and state keys: one namespace for all of them.
  const seenIds = new Map<string, string>();
  const claimId = (id: string, path: string, what: string) => {
    const first = seenIds.get(id);
    if (first !== undefined) {
      problems.push({ path, message: `duplicate ${what} id ${JSON.stringify(id)} (already used by ${first}). Fix: give every cluster and site a unique DNS-safe id` });
    } else {
      seenIds.set(id, path);
    }
  };
  config.clusters.forEach((c, i) => claimId(c.id, `clusters[${i}].id`, 'cluster'));
  claimId(config.physicalSeedCluster.id, 'physicalSeedCluster.id', 'cluster');
  config.externalClusters.forEach((c, i) => claimId(c.id, `externalClusters[${i}].id`, 'cluster'));
  config.sites.forEach((s, i) => claimId(s.id, `sites[${i}].id`, 'site'));

  // Regions and AZs: explicit AZs replace synth-time lookups, so a wrong one must fail here, not at deploy.
  const checkRegion = (region: string, path: string) => {
    if (!KNOWN_REGIONS.includes(region)) {
      problems.push({ path, message: `unknown AWS region ${JSON.stringify(region)}. Fix: use one of ${KNOWN_REGIONS.join(', ')}` });
    }
  };
  checkRegion(config.controlPlane.homeRegion, 'controlPlane.homeRegion');
  config.clusters.forEach((c, i) => {
    checkRegion(c.region, `clusters[${i}].region`);
    const seenAz = new Set<string>();
    c.availabilityZones.forEach((az, j) => {
      const path = `clusters[${i}].availabilityZones[${j}]`;
      if (!new RegExp(`^${c.region}[a-z]$`).test(az)) {
        problems.push({ path, message: `availability zone ${JSON.stringify(az)} is not in the cluster's region ${c.region}. Fix: use a zone of ${c.region}, e.g. "${c.region}a"` });
      } else if (seenAz.has(az)) {
        problems.push({ path, message: `availability zone ${JSON.stringify(az)} is listed twice. Fix: list each zone once` });
      }
      seenAz.add(az);
    });
  });

  // The control plane acts on cluster resources (SSM discovery, EC2 cuts, alarm reads) with its own role;
  // assuming a role in another account is not built, so such a cluster could be taken out of DNS but never cut.
  config.clusters.forEach((c, i) => {
    if (c.account !== config.controlPlane.account) {
      problems.push({
        path: `clusters[${i}].account`,
        message: `is ${c.account}, but the control plane runs in ${config.controlPlane.account} and can only isolate clusters in its own account. Fix: deploy this cluster in account ${config.controlPlane.account}`,
      });
    }
  });

  // Address plan: VPN routes and NACL denies are by CIDR, so any overlap would black-hole or leak traffic.
  const ranges: { cidr: ParsedCidr; path: string }[] = [];
  config.clusters.forEach((c, i) => {
    const cidr = parseCidr(c.vpcCidr);
    if (cidr) ranges.push({ cidr, path: `clusters[${i}].vpcCidr` });
  });
  config.sites.forEach((s, i) => {
    [...s.cidrs.ipv4.map((v, j) => ({ v, p: `sites[${i}].cidrs.ipv4[${j}]` })), ...s.cidrs.ipv6.map((v, j) => ({ v, p: `sites[${i}].cidrs.ipv6[${j}]` }))].forEach(({ v, p }) => {
      const cidr = parseCidr(v);
      if (cidr) ranges.push({ cidr, path: p });
    });
  });
  ranges.forEach((b, j) => {
    const clash = ranges.slice(0, j).find((a) => cidrsOverlap(a.cidr, b.cidr));
    if (clash) {
      problems.push({ path: b.path, message: `CIDR ${b.cidr.text} overlaps ${clash.cidr.text} at ${clash.path}. Fix: give every cluster VPC and every site range its own non-overlapping block` });
    }
  });

  // Sites: one primary (the block producer), at most one standby (the redundant BP).
  const primaries = config.sites.filter((s) => s.role === 'primary').length;
  if (primaries !== 1) {
    problems.push({ path: 'sites', message: `needs exactly one site with role "primary" (the block-producer site), found ${primaries}. Fix: mark one site "primary" and the redundant one "standby"` });
  }
  if (config.sites.filter((s) => s.role === 'standby').length > 1) {
    problems.push({ path: 'sites', message: 'has more than one "standby" site. Fix: keep one standby block-producer site' });
  }
  config.sites.forEach((s, i) => {
    if (s.lines.length === 2 && s.lines[0].id === s.lines[1].id) {
      problems.push({ path: `sites[${i}].lines[1].id`, message: `duplicate line id ${JSON.stringify(s.lines[1].id)}. Fix: name the two lines differently, e.g. "line-a" and "line-b"` });
    }
  });

  // Safety floor: a minimum the automation can never satisfy would freeze it (or worse, be ignored).
  // Only clusters with a weight carry traffic, so only they can keep the network reachable.
  const countedClusters = [
    ...config.clusters,
    ...(config.controlPlane.countExternalClustersTowardsMinimum ? [config.physicalSeedCluster, ...config.externalClusters] : []),
  ];
  const counted = countedClusters.filter((c) => c.weight > 0).length;
  const weighted = [...config.clusters, config.physicalSeedCluster, ...config.externalClusters].filter((c) => c.weight > 0).length;
  // With every weight at 0 the all-zero problem below is the one to fix first; a minimum would only repeat it.
  if (weighted > 0 && config.controlPlane.minHealthyClusters > counted) {
    problems.push({
      path: 'controlPlane.minHealthyClusters',
      message: `is ${config.controlPlane.minHealthyClusters}, larger than the ${counted} cluster${counted === 1 ? '' : 's'} with a weight above 0 that count towards it. Fix: set it to at most ${counted}${config.controlPlane.countExternalClustersTowardsMinimum ? '' : ' (or set countExternalClustersTowardsMinimum to true)'}`,
    });
  }
  if (weighted === 0) {
    problems.push({ path: 'clusters', message: 'every cluster has weight 0; Route 53 then answers with all records equally. Fix: give at least one cluster a weight above 0' });
  }

  // GuardDuty suppression: the filter is regional and needs its detector's id (synth does no lookups).
  const gd = config.protection.guardDuty;
  if (gd.suppressExpectedFindings) {
    const regions = [...new Set(config.clusters.map((c) => c.region))];
    for (const region of regions) {
      if (gd.detectors[region] === undefined) {
        const users = config.clusters.filter((c) => c.region === region).map((c) => c.id).join(', ');
        problems.push({
          path: `protection.guardDuty.detectors.${region}`,
          message: `is missing: suppressExpectedFindings is true and cluster ${users} runs in ${region}, whose detector the suppression filter is created on. Fix: add { "detectorId": "<aws guardduty list-detectors --region ${region}>", "ownedBySeedshield": true } (false if another team owns the detector), or set suppressExpectedFindings to false`,
        });
      }
    }
  }
  const seenRules = new Map<string, number>();
  gd.findingPolicy.forEach((r, i) => {
    const key = `${r.type}|${r.role ?? '*'}|${r.direction ?? '*'}`;
    const first = seenRules.get(key);
    if (first !== undefined) {
      problems.push({ path: `protection.guardDuty.findingPolicy[${i}]`, message: `repeats the type, role and direction of findingPolicy[${first}], so it would never be used (first match wins). Fix: remove one of them` });
    } else {
      seenRules.set(key, i);
    }
  });

  const zone = config.dns.zoneName;
  if (config.dns.recordName !== zone && !config.dns.recordName.endsWith(`.${zone}`)) {
    problems.push({ path: 'dns.recordName', message: `${JSON.stringify(config.dns.recordName)} is not inside the hosted zone ${JSON.stringify(zone)}. Fix: use a name ending in ".${zone}"` });
  }
  problems.push(...naclQuotaProblems(config));
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates an already-parsed JSON value. Throws {@link ConfigError} listing every problem.
 * @param source - the file name used in the error message
 */
export function parseConfig(raw: unknown, source = 'seedshield.config.json'): SeedshieldConfig {
  const result = SeedshieldConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeZodIssue(issue) })),
    );
  }
  const problems = crossFieldProblems(result.data);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze(result.data);
}

/**
 * Where a JSON syntax error is, as an editor shows it: 1-based line and column.
 *
 * V8 reports a character offset (`... in JSON at position 812`), which nobody can find in a file; some versions
 * add `(line L column C)`, others say nothing (`Unexpected end of JSON input`: the end of the text).
 */
export function jsonErrorLocation(text: string, message: string): { line: number; column: number } {
  const explicit = /line (\d+) column (\d+)/.exec(message);
  if (explicit) return { line: Number(explicit[1]), column: Number(explicit[2]) };
  const at = /at position (\d+)/.exec(message);
  const offset = Math.min(at ? Number(at[1]) : firstSyntaxErrorOffset(text), text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Offset of the first character a JSON parser rejects (a small recursive-descent scan), for the messages in
 * which V8 gives no position (`Unexpected token ',', "..." is not valid JSON`).
 * @internal
 */
export function firstSyntaxErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i] === ch) i++; else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] < ' ') fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++) if (/[0-9a-fA-F]/.test(text[i] ?? '')) i++; else fail();
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-' || m[0] === '') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/** A hand-written JSON file does not parse; the message gives the line and the column. */
export class JsonSyntaxError extends SeedshieldError {
  readonly code: string = 'INVALID_JSON';
}

/**
 * `JSON.parse` whose error says where: `is not valid JSON at line 3, column 7: Unexpected number`.
 * Used for every file a person writes by hand (the configuration, drill scenarios).
 * @throws JsonSyntaxError with the line, the column and V8's reason (without its character offset)
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const { line, column } = jsonErrorLocation(text, message);
    // Drop V8's offset and its echo of the whole text: the location replaces both.
    const reason = message
      .replace(/,? ?(in JSON )?at position \d+( \(line \d+ column \d+\))?/, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    throw new JsonSyntaxError(`is not valid JSON at line ${line}, column ${column}: ${reason}`, { cause: err });
  }
}

/** Reads, parses and validates the configuration file at `file`. */
export function loadConfig(file: string): SeedshieldConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot be read (${(err as Error).message}). Fix: create it from seedshield.config.json, or pass -c config=PATH` }], {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `${(err as Error).message}. Fix: correct the syntax there` }], { cause: err });
  }
  return parseConfig(raw, file);
}
