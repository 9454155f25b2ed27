#!/usr/bin/env node
/**
 * The app entry: reads and validates the configuration, builds the stacks, nothing else.
 * Config path: `-c config=PATH` (default `seedshield.config.json`).
 */
import { App } from 'aws-cdk-lib';
import { buildSeedshieldApp } from '../lib/app';
import { ConfigError, loadConfig } from '../lib/config/load';

const app = new App();
const configPath = (app.node.tryGetContext('config') as string | undefined) ?? 'seedshield.config.json';
try {
  buildSeedshieldApp(app, loadConfig(configPath));
} catch (err) {
  if (err instanceof ConfigError) {
    // One line per problem, no stack trace: the user needs the field and the fix, not our call stack.
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
app.synth();
