/**
 * The decision core must stay pure (STYLE.md §4): no AWS SDK, no aws-cdk-lib, no clock, no randomness, no
 * environment, no I/O. This test is the enforcement (instead of an ESLint rule, so it runs in `npm test`).
 */
import * as fs from 'fs';
import * as path from 'path';

const CORE = path.join(__dirname, '..', '..', '..', 'lambdas', 'core');
const files = fs.readdirSync(CORE).filter((f) => f.endsWith('.ts'));

describe('lambdas/core purity', () => {
  test('when the core is scanned, it has files to scan', () => {
    expect(files).toEqual(expect.arrayContaining(['decide.ts', 'types.ts', 'weights.ts', 'policy.ts']));
  });

  test.each(files)('when %s is read, it imports only core modules, zod and the error hierarchy, and uses no clock, randomness, env or I/O', (file) => {
    // GIVEN
    const source = fs.readFileSync(path.join(CORE, file), 'utf8');
    // WHEN
    const imports = [...source.matchAll(/^\s*import\s+(type\s+)?[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: !!m[1], from: m[2] }));
    const requires = [...source.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    // THEN
    for (const { typeOnly, from } of imports) {
      // ../zod is zod/mini (pure; the topology contract's schema); ../errors is the error hierarchy (classes, no I/O).
      const allowed = from.startsWith('./') || from === '../zod' || from === '../errors' || (typeOnly && from === '../../lib/config/topology');
      expect({ file, from, allowed }).toEqual({ file, from, allowed: true });
    }
    expect(requires).toEqual([]);
    expect(source).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random|process\.env|setTimeout|setInterval|\bfetch\(/);
  });
});
