/**
 * The zod every module that ends up in a Lambda bundle imports: `zod/mini` (zod 4's functional API), with
 * zod's English messages.
 *
 * Why not `import { z } from 'zod'`: the classic API hangs every method on every schema, so nothing tree-shakes
 * and a one-field schema bundles to ~450 KB minified (against ~18 KB with mini); it had pushed the handlers
 * past the 150 KB target of bench/lambdas.ts. test/lambdas/zod-mini.test.ts fails if a handler's import graph
 * reaches classic zod again. The CDK side (lib/config/schema.ts) is not bundled and stays classic.
 *
 * Why the locale: classic zod installs English on first use, mini does not (its issues would all read
 * "Invalid input"). The messages are part of the contract (operators read them, tests assert them), so they
 * stay the same as before the switch. `config` is global and idempotent; classic installs the same locale.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
