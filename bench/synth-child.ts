/**
 * One synth in a fresh process, as `cdk synth` runs the app: load the config, build the app with cdk-nag on,
 * `app.synth()` into the given outdir. Prints one JSON line of phase timings (ms) on stdout.
 *
 * Phases are measured from inside: `startup` is the time from process start to the end of the imports (node,
 * tsx, aws-cdk-lib, cdk-nag); esbuild time is the wall time of every esbuild `spawnSync` aws-cdk-lib makes
 * while building the construct tree (NodejsFunction bundles at construction); nag time is the wall time of
 * the cdk-nag validation plugin during `app.synth()`.
 *
 * Usage: node --import tsx bench/synth-child.ts CONFIG_FILE OUTDIR
 */
import { performance } from 'perf_hooks';
import { BenchError } from './errors';
// The module object itself (a namespace import is read-only): aws-cdk-lib resolves spawnSync on it at call time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require('child_process') as typeof import('child_process');

const timings = { esbuildMs: 0, esbuildCalls: 0, nagMs: 0 };

// Count the wall time of esbuild runs.
const realSpawnSync = childProcess.spawnSync;
childProcess.spawnSync = ((...args: Parameters<typeof childProcess.spawnSync>) => {
  const started = performance.now();
  try {
    return realSpawnSync(...args);
  } finally {
    if (JSON.stringify(args.slice(0, 2)).includes('esbuild')) {
      timings.esbuildMs += performance.now() - started;
      timings.esbuildCalls += 1;
    }
  }
}) as typeof childProcess.spawnSync;

async function main(): Promise<void> {
  const [configFile, outdir] = process.argv.slice(2);
  if (!configFile || !outdir) throw new BenchError('usage: synth-child.ts CONFIG_FILE OUTDIR');
  const { App } = await import('aws-cdk-lib');
  const { NagPack } = await import('cdk-nag');
  const { buildSeedshieldApp } = await import('../lib/app');
  const { loadConfig } = await import('../lib/config/load');
  const afterImports = performance.now();

  const realValidate = NagPack.prototype.validate;
  NagPack.prototype.validate = function (this: InstanceType<typeof NagPack>, ...args: Parameters<typeof realValidate>) {
    const started = performance.now();
    try {
      return realValidate.apply(this, args);
    } finally {
      timings.nagMs += performance.now() - started;
    }
  };

  const t0 = performance.now();
  const config = loadConfig(configFile);
  const t1 = performance.now();
  // The context cdk.json gives the real app (feature flags), read by `App` from CDK_CONTEXT_JSON like the CLI passes it.
  const app = new App({ outdir });
  buildSeedshieldApp(app, config, { nag: true });
  const t2 = performance.now();
  let synthError: string | undefined;
  try {
    app.synth();
  } catch (err) {
    // cdk-nag findings make synth fail after the templates are written; the figures still count.
    synthError = (err as Error).message.split('\n')[0];
  }
  const t3 = performance.now();
  process.stdout.write(
    `${JSON.stringify({
      startupMs: afterImports,
      configMs: t1 - t0,
      constructMs: t2 - t1,
      synthMs: t3 - t2,
      totalInProcessMs: t3,
      ...timings,
      synthError,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
