/**
 * Test helpers: the example configuration, variants of it, and synthesized templates with asset hashes
 * normalised (so snapshots only move when a template really changes).
 */
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildSeedshieldApp, BuildOptions, SeedshieldStacks } from '../../lib/app';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config/load';
import { SeedshieldConfig } from '../../lib/config/schema';

export const EXAMPLE_CONFIG_PATH = path.join(__dirname, '..', '..', 'seedshield.config.json');

/** The example configuration as shipped. */
export function exampleConfig(): SeedshieldConfig {
  return loadConfig(EXAMPLE_CONFIG_PATH);
}

/** A mutable deep copy of the example's raw JSON, for building variants. */
export function exampleRaw(): any {
  return JSON.parse(JSON.stringify(require(EXAMPLE_CONFIG_PATH)));
}

/** Applies `edit` to a copy of the example JSON and validates the result. */
export function configWith(edit: (raw: any) => void): SeedshieldConfig {
  const raw = exampleRaw();
  edit(raw);
  return parseConfig(raw, 'test-config.json');
}

/** Every problem the loader reports for `edit` applied to the example, as `path: message` lines. */
export function problemsFor(edit: (raw: any) => void): string[] {
  try {
    configWith(edit);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the configuration to be rejected');
}

/** The feature flags of cdk.json: tests synthesize with the same flags as `cdk synth`. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = require(path.join(__dirname, '..', '..', 'cdk.json')).context;

/** Builds the whole app for `config` (cdk-nag off unless asked: template tests do not need it). */
export function buildApp(config: SeedshieldConfig = exampleConfig(), options: BuildOptions = { nag: false }): { app: App; stacks: SeedshieldStacks } {
  const app = new App({ context: CDK_JSON_CONTEXT });
  const stacks = buildSeedshieldApp(app, config, options);
  return { app, stacks };
}

/** The template JSON with asset hashes replaced, for snapshots and byte comparisons. */
export function normalizedTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack).toJSON());
  return JSON.parse(json.replace(/[0-9a-f]{64}(\.zip|\.json)?/g, 'ASSET_HASH$1'));
}
