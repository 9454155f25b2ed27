/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and sums self time by module and by function, so the
 * report can say where a synth spends its time without anyone opening a profiler.
 */
import * as fs from 'fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time (ms) of one module or function. */
export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
}

/** Where a profiled run spent its CPU. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly byModule: readonly SelfTime[];
  readonly byFunction: readonly SelfTime[];
}

/**
 * The module a script URL belongs to: the npm package (with the first sub-directory of aws-cdk-lib, which is
 * one package per service), the repository directory, or `node:internal`.
 */
export function moduleOf(url: string, functionName: string, repoRoot: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // V8 names wasm modules by hash; in this app the only wasm is aws-cdk-lib's bundled CloudFormation validator.
  if (url.startsWith('wasm://')) return 'wasm (aws-cdk-lib/node_modules/@aws/cloudformation-validate: default CloudFormation rules)';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (pkg === 'aws-cdk-lib' && parts.length > 2) return `aws-cdk-lib/${parts[1]}`;
    return pkg;
  }
  if (file.startsWith('node:')) return 'node (internal)';
  if (file.startsWith(`${repoRoot}/`)) {
    const rel = file.slice(repoRoot.length + 1).split('/');
    return `seedshield ${rel.slice(0, Math.max(1, rel.length - 1)).join('/')}`;
  }
  return file;
}

/** Sums self time per module and per function over every sample of the profile at `file`. */
export function summarizeProfile(file: string, repoRoot: string, top = 12): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const mod = moduleOf(url, functionName, repoRoot);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} (${mod}${url ? `:${lineNumber + 1}` : ''})`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const sorted = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000 }));
  return { totalMs: total / 1000, byModule: sorted(modules), byFunction: sorted(functions) };
}
