/**
 * `seedshield cost [-c CONFIG] [--json]`: the monthly estimate per cluster and in total (lib/deploy/cost.ts),
 * from the config alone: no AWS call.
 */
import { ConfigError, loadConfig } from '../lib/config/load';
import { estimateCost, formatCostTable } from '../lib/deploy/cost';
import { CommandError, type CliCommand } from './command';
import { parseConfigJsonArgs } from './preflight';

const USAGE = `usage: seedshield cost [-c CONFIG] [--json]

Monthly cost estimate per cluster and in total, from the config and lib/deploy/prices.json.`;

/** `seedshield cost`. */
export const COST_COMMAND: CliCommand = {
  name: 'cost',
  synopsis: 'cost [-c CONFIG] [--json]',
  summary: 'monthly cost estimate per cluster and in total (no AWS call)',
  // Synchronous work behind the async command interface: Promise.resolve keeps the contract without a dummy await.
  run: (args, { io }) => {
    const opts = parseConfigJsonArgs(args, USAGE);
    if (opts.help) {
      io.stdout(USAGE);
      return Promise.resolve(0);
    }
    try {
      const estimate = estimateCost(loadConfig(opts.configPath));
      io.stdout(opts.json ? JSON.stringify(estimate, null, 2) : formatCostTable(estimate));
      return Promise.resolve(0);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr(`seedshield cost: ${err.message}`);
        return Promise.resolve(2);
      }
      return Promise.reject(err instanceof Error ? err : new CommandError(String(err), { cause: err }));
    }
  },
};
