/**
 * Lambda bundles: size of each handler bundled exactly as the stacks bundle it, and the cold initialisation
 * time of that bundle (module load, with its module-level code) in a fresh Node.js process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { build } from 'esbuild';
import { BenchError } from './errors';
import { assertOk, makeTempDir, REPO_ROOT, runProcess } from './process';
import { Miss, Row, Section } from './report';
import { formatBytes, formatMs, median } from './stats';

const INIT_RUNS = 7;
const INIT_TIMEOUT_MS = 30_000;
const SIZE_TARGET_BYTES = 150 * 1024;
const INIT_TARGET_MS = 300;

/** The handlers the stacks bundle (lib/constructs/remediation-control-plane.ts, weighted-seed-dns.ts). */
const HANDLERS = [
  { name: 'remediation', entry: 'lambdas/handlers/remediation.ts' },
  { name: 'dns-records', entry: 'lambdas/handlers/dns-records.ts' },
] as const;

/** A topology like the control-plane stack puts in SEEDSHIELD_TOPOLOGY (3 clusters + 1 external). */
const TOPOLOGY = {
  clusters: [
    { id: 'eu-north', kind: 'aws', region: 'eu-north-1', account: '111111111111', baseWeight: 100, countsTowardsMinimum: true },
    { id: 'eu-central', kind: 'aws', region: 'eu-central-1', account: '111111111111', baseWeight: 100, countsTowardsMinimum: true },
    { id: 'us-east', kind: 'aws', region: 'us-east-1', account: '111111111111', baseWeight: 50, countsTowardsMinimum: true },
    { id: 'gm-physical', kind: 'external', baseWeight: 50, countsTowardsMinimum: false },
  ],
  dns: { hostedZoneId: 'Z0123456789EXAMPLE0', recordName: 'p2p.seeds.example.org', ttlSeconds: 60 },
  siteCidrs: { ipv4: ['10.200.0.0/16'], ipv6: [] },
  policy: {
    minHealthyClusters: 2, cooldownMinutes: 10, quietPeriodMinutes: 30, maxIsolationsPerWindow: 2, isolationWindowMinutes: 60,
    restoreRampPercent: [10, 50, 100], restoreRampStepMinutes: 5, cutInternet: true, cutBlockProducerPath: true,
  },
};

/** Module-level code reads these (Powertools, the runtime wiring), so set them as the stacks do. */
const LAMBDA_ENV = {
  SEEDSHIELD_TOPOLOGY: JSON.stringify(TOPOLOGY),
  STATE_TABLE_NAME: 'seedshield-state',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-north-1:111111111111:seedshield-oncall',
  AWS_REGION: 'eu-north-1',
  AWS_DEFAULT_REGION: 'eu-north-1',
  AWS_LAMBDA_FUNCTION_NAME: 'seedshield-bench',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  POWERTOOLS_SERVICE_NAME: 'seedshield-bench',
  POWERTOOLS_METRICS_NAMESPACE: 'Seedshield',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  // The bundle lives in a temp dir; @aws-sdk/* (external, as on Lambda) resolves from the repo.
  NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
};

/**
 * Loads the bundle in this fresh process and prints the load time (ms), the part of it spent loading the
 * external `@aws-sdk/*` packages (outermost requires only, so nested SDK loads are not counted twice) and
 * what the bundle exports.
 */
const INIT_SCRIPT = [
  "const M=require('module');const load=M._load;let sdkNs=0n,depth=0;",
  "M._load=function(req,...rest){if(depth>0||!String(req).startsWith('@aws-sdk/'))return load.call(this,req,...rest);",
  "depth++;const s=process.hrtime.bigint();try{return load.call(this,req,...rest)}finally{sdkNs+=process.hrtime.bigint()-s;depth--}};",
  'const t=process.hrtime.bigint();const m=require(process.argv[1]);const ms=Number(process.hrtime.bigint()-t)/1e6;',
  'console.log(JSON.stringify({ms,sdkMs:Number(sdkNs)/1e6,exports:Object.keys(m),handler:typeof m.handler}))',
].join('');

interface Measured {
  readonly name: string;
  readonly entry: string;
  readonly bytes: number;
  readonly initMs: number[];
  readonly sdkMs: number[];
  readonly exports: string[];
}

/** Runs the bundle benchmark and returns its report section. */
export async function benchLambdas(log: (msg: string) => void): Promise<Section> {
  const outdir = makeTempDir('bundles');
  const measured: Measured[] = [];
  for (const h of HANDLERS) {
    const outfile = path.join(outdir, h.name, 'index.js');
    // The options NodejsFunction passes esbuild for these stacks (cjs, minify, no source map, node24, sdk external).
    await build({
      entryPoints: [path.join(REPO_ROOT, h.entry)],
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      keepNames: true,
      sourcemap: false,
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      outfile,
      logLevel: 'silent',
    });
    const bytes = fs.statSync(outfile).size;
    const initMs: number[] = [];
    const sdkMs: number[] = [];
    let exports: string[] = [];
    for (let i = 0; i < INIT_RUNS; i++) {
      const r = await runProcess(process.execPath, ['-e', INIT_SCRIPT, outfile], { timeoutMs: INIT_TIMEOUT_MS, env: { ...process.env, ...LAMBDA_ENV }, cwd: outdir });
      assertOk(r, `cold init of ${h.name}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; sdkMs: number; exports: string[]; handler: string };
      if (out.handler !== 'function') throw new BenchError(`${h.name} bundle exports no handler function`);
      initMs.push(out.ms);
      sdkMs.push(out.sdkMs);
      exports = out.exports;
    }
    log(`bundle ${h.name}: ${formatBytes(bytes)}, cold init median ${formatMs(median(initMs))}`);
    measured.push({ name: h.name, entry: h.entry, bytes, initMs, sdkMs, exports });
  }

  const rows: Row[] = measured.flatMap((m) => [
    { metric: `${m.name} bundle size (minified)`, measured: `${formatBytes(m.bytes)} (${m.bytes} B)`, target: '< 150 KB', met: m.bytes < SIZE_TARGET_BYTES },
    {
      metric: `${m.name} cold init (require of the bundle)`,
      measured: `${formatMs(median(m.initMs))} (min ${formatMs(Math.min(...m.initMs))}, max ${formatMs(Math.max(...m.initMs))})`,
      target: `< ${INIT_TARGET_MS} ms`,
      met: median(m.initMs) < INIT_TARGET_MS,
    },
    { metric: `${m.name} cold init: of which loading the external @aws-sdk/* packages`, measured: formatMs(median(m.sdkMs)) },
  ]);
  const misses: Miss[] = [];
  for (const m of measured) {
    if (m.bytes >= SIZE_TARGET_BYTES) {
      misses.push({
        what: `${m.name} bundle ${formatBytes(m.bytes)} (target < 150 KB)`,
        reason: 'the bundle includes more than the handler needs (run esbuild with `metafile: true` to see which inputs dominate).',
        fix: 'import Powertools and middy sub-paths only, keep aws-cdk-lib and zod out of the Lambda import graph (lambdas/ must only import lib/config types and pure naming).',
      });
    }
    if (median(m.initMs) >= INIT_TARGET_MS) {
      misses.push({
        what: `${m.name} cold init ${formatMs(median(m.initMs))} (target < ${INIT_TARGET_MS} ms)`,
        reason: `${formatMs(median(m.sdkMs))} of it is loading the @aws-sdk/* packages the bundle requires at module level (every client the handler can use, whether or not an invocation needs it); the rest is the bundle's own code (Powertools, middy, the engine).`,
        fix: 'load rarely used clients lazily (dynamic import inside the actuator that needs them) and build clients on first use (already the case for the engine).',
      });
    }
  }
  return {
    title: 'Lambda bundles',
    method: [
      'Each handler is bundled with esbuild exactly as the stacks bundle it (platform node, target node24, minify, cjs, no source map, main fields module,main, `@aws-sdk/*` external: the Lambda runtime provides the SDK).',
      `Cold init: \`node -e "const t=process.hrtime.bigint(); require(bundle); ..."\` in a fresh process, with the environment the stacks set (SEEDSHIELD_TOPOLOGY, STATE_TABLE_NAME, NOTIFY_TOPIC_ARN, AWS_REGION, POWERTOOLS_*) so module-level code runs; \`@aws-sdk/*\` resolves from the repo's node_modules (NODE_PATH). ${INIT_RUNS} runs, median. This measures the module load only (the remediation engine and its SDK clients are built on the first invocation). The local Node.js is ${process.version}; Lambda runs Node.js 24 on arm64, so absolute figures differ there.`,
    ],
    rows,
    misses,
  };
}
