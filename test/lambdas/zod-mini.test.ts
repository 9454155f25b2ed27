/**
 * The Lambda bundles use zod/mini, never classic zod (see lambdas/zod.ts): classic zod does not tree-shake and
 * alone put ~450 KB into each handler bundle, against the 150 KB target of bench/lambdas.ts.
 *
 * Two checks, so a regression names its cause: the sources under lambdas/ (what a handler can reach) import zod
 * only through lambdas/zod.ts; and each handler, bundled as the stacks bundle it, has no classic zod among the
 * esbuild inputs, whoever pulls it in (one of our modules, or a dependency such as a Powertools parser schema).
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { parseRemediationEnvironment } from '../../lambdas/runtime';

const LAMBDAS = path.join(__dirname, '..', '..', 'lambdas');
const HANDLERS = fs.readdirSync(path.join(LAMBDAS, 'handlers')).filter((f) => f.endsWith('.ts'));

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourcesUnder(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a source imports, re-exports or requires (comments left out: they may quote imports). */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('zod in the Lambda bundles', () => {
  test('when lambdas/ is scanned, it has handlers and sources to scan', () => {
    expect(HANDLERS).toEqual(expect.arrayContaining(['remediation.ts', 'dns-records.ts']));
    expect(sourcesUnder(LAMBDAS).length).toBeGreaterThan(20);
  });

  test.each(sourcesUnder(LAMBDAS).map((f) => path.relative(LAMBDAS, f)))('when lambdas/%s is read, it imports zod only through lambdas/zod.ts', (file) => {
    // GIVEN
    const source = fs.readFileSync(path.join(LAMBDAS, file), 'utf8');
    // WHEN
    const zod = specifiers(source).filter((s) => s === 'zod' || s.startsWith('zod/'));
    // THEN: lambdas/zod.ts itself is the one place that names the package, and only its mini API and locales.
    expect({ file, zod }).toEqual({ file, zod: file === 'zod.ts' ? ['zod/mini', 'zod/locales', 'zod/mini'] : [] });
  });

  test.each(HANDLERS)('when handlers/%s is bundled as deployed, no classic zod is among its inputs', (handler) => {
    // GIVEN / WHEN: the options NodejsFunction passes esbuild (bench/lambdas.ts lists them), with a metafile
    const out = buildSync({
      entryPoints: [path.join(LAMBDAS, 'handlers', handler)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      minify: true,
      keepNames: true,
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const zodInputs = Object.keys(out.metafile.inputs).filter((i) => i.includes('node_modules/zod/'));
    // THEN: zod is there (the handler validates its input), as mini; classic (and the v3 compat layer) is not.
    expect(zodInputs.some((i) => i.includes('/v4/mini/'))).toBe(true);
    expect(zodInputs.filter((i) => /\/zod\/(v4\/classic|v3)\//.test(i))).toEqual([]);
  });

  test("when a handler's schema rejects, the message is zod's English one (mini installs no locale by itself)", () => {
    // GIVEN: an environment with one variable missing; this file loads no classic zod, which would install English
    const env = {
      SEEDSHIELD_TOPOLOGY_PATH: '/seedshield/control-plane/topology',
      SEEDSHIELD_TOPOLOGY_DIGEST: 'a'.repeat(64),
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:eu-north-1:123456789012:seedshield',
      AWS_REGION: 'eu-north-1',
    };
    // WHEN / THEN: the same words classic zod wrote, not mini's bare "Invalid input"
    expect(() => parseRemediationEnvironment(env)).toThrow('(STATE_TABLE_NAME: Invalid input: expected string, received undefined)');
  });
});
