/**
 * Command-line flags for the common load-scenario cases (`--load-rates 2,4,8 --slo-ms 500`) and
 * the local endpoints' autoscaling (`--autoscale 1..4`). Flags override the config's `load:` block
 * field by field; the result is checked by the same parser as a config file.
 */
import type { Command } from 'commander';
import type { ExperimentConfig } from '../config/experiment';
import { checkLoadBudget, parseLoadConfig, type LoadConfig } from '../config/load';
import { ConfigError, Field } from '../config/validate';
import { UserError } from '../errors';
import { AUTOSCALE_DEFAULTS, parseInstanceRange, type AutoscalePolicy } from '../local/autoscale-policy';

export interface LoadFlags {
  loadRates?: number[];
  loadSearch?: { start: number; max: number; factor?: number; step?: number };
  sloMs?: number;
  sloPercentile?: number;
  arrival?: string;
  stepSeconds?: number;
  autoscale?: { min: number; max: number };
  autoscaleTarget?: number;
  provisionS?: number;
  cooldownS?: number;
}

function positive(flag: string, text: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UserError(`${flag} takes a positive number, got ${JSON.stringify(text)}`);
  return n;
}

const nonNegative = (flag: string) => (text: string) => {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!(Number.isFinite(n) && n >= 0)) throw new UserError(`${flag} takes a number ≥ 0, got ${JSON.stringify(text)}`);
  return n;
};

function rateList(text: string): number[] {
  return text.split(',').map((t) => positive('--load-rates', t));
}

/** `START..MAX` (doubling), `START..MAX+STEP` (linear) or `START..MAXxFACTOR` (geometric). */
function searchSpec(text: string): NonNullable<LoadFlags['loadSearch']> {
  const m = /^([\d.]+)\.\.([\d.]+?)(?:([x+])([\d.]+))?$/.exec(text.trim());
  if (!m) throw new UserError(`--load-search takes START..MAX, START..MAX+STEP or START..MAXxFACTOR (requests per second), e.g. 1..16 or 2..20+2; got ${JSON.stringify(text)}`);
  const start = positive('--load-search', m[1]);
  const max = positive('--load-search', m[2]);
  if (m[3] === '+') return { start, max, step: positive('--load-search', m[4]) };
  return { start, max, factor: m[3] === 'x' ? positive('--load-search', m[4]) : 2 };
}

function instanceRange(text: string): { min: number; max: number } {
  const r = parseInstanceRange(text);
  if ('error' in r) throw new UserError(`--autoscale: ${r.error}`);
  return r;
}

export function addLoadOptions(cmd: Command): Command {
  return cmd
    .option('--load-rates <list>', 'after the batches, an open-loop load sweep at these request rates (req/s, comma-separated); see README "Load scenario"', rateList)
    .option('--load-search <range>', 'after the batches, search the highest rate meeting the target: START..MAX (doubling), START..MAX+STEP or START..MAXxFACTOR', searchSpec)
    .option('--slo-ms <ms>', 'latency target of the load scenario, ms (default 1000)', (t) => positive('--slo-ms', t))
    .option('--slo-percentile <p>', 'which percentile must meet it (default 99)', (t) => positive('--slo-percentile', t))
    .option('--arrival <kind>', 'arrivals: poisson (default) or constant')
    .option('--step-seconds <s>', 'minimum duration of each rate step, s (default 10)', (t) => positive('--step-seconds', t));
}

export function addAutoscaleOptions(cmd: Command, prefix = ''): Command {
  return cmd
    .option('--autoscale <min..max>', `${prefix}scale the endpoints between MIN and MAX instances with demand (0..N scales to zero)`, instanceRange)
    .option('--autoscale-target <n>', `with --autoscale: requests in flight per instance to aim for (default ${AUTOSCALE_DEFAULTS.targetInFlight})`, (t) => positive('--autoscale-target', t))
    .option('--provision-s <s>', `with --autoscale: delay before a new instance starts loading its model, s (default ${AUTOSCALE_DEFAULTS.provisionMs / 1000})`, nonNegative('--provision-s'))
    .option('--cooldown-s <s>', `with --autoscale: how long demand must stay low before an instance is removed, s (default ${AUTOSCALE_DEFAULTS.cooldownMs / 1000})`, nonNegative('--cooldown-s'));
}

/** The config's load block with the flags applied; unchanged when no load flag is given. */
export function applyLoadFlags(config: ExperimentConfig, f: LoadFlags): ExperimentConfig {
  const given = f.loadRates || f.loadSearch || f.sloMs || f.sloPercentile || f.arrival || f.stepSeconds;
  if (!given) return config;
  if (f.loadRates && f.loadSearch) throw new UserError('give --load-rates or --load-search, not both');
  if (!config.load && !f.loadRates && !f.loadSearch) {
    throw new UserError('--slo-ms, --slo-percentile, --arrival and --step-seconds shape a load scenario: add --load-rates or --load-search (or a load: block in the config)');
  }
  const base: Partial<LoadConfig> = config.load ?? {};
  const raw = {
    ...base,
    ...(f.loadRates ? { rates: f.loadRates, search: null } : {}),
    ...(f.loadSearch ? { search: f.loadSearch, rates: null } : {}),
    slo: { ...(base.slo ?? {}), ...(f.sloMs ? { ms: f.sloMs } : {}), ...(f.sloPercentile ? { percentile: f.sloPercentile } : {}) },
    ...(f.arrival ? { arrival: f.arrival } : {}),
    step: { ...(base.step ?? {}), ...(f.stepSeconds ? { minDurationS: f.stepSeconds } : {}) },
  };
  try {
    const load = parseLoadConfig(new Field('load', JSON.parse(JSON.stringify(raw))));
    checkLoadBudget(load, Object.keys(config.platforms).length, 'load');
    return { ...config, load };
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(`the load options: ${err.message}`);
    throw err;
  }
}

/** The local endpoints' autoscaling policy from the flags, or undefined for a fixed instance count. */
export function autoscaleFromFlags(f: LoadFlags): AutoscalePolicy | undefined {
  if (!f.autoscale) {
    if (f.autoscaleTarget !== undefined || f.provisionS !== undefined || f.cooldownS !== undefined) {
      throw new UserError('--autoscale-target, --provision-s and --cooldown-s tune autoscaling: add --autoscale MIN..MAX');
    }
    return undefined;
  }
  return {
    ...f.autoscale,
    targetInFlight: f.autoscaleTarget ?? AUTOSCALE_DEFAULTS.targetInFlight,
    provisionMs: (f.provisionS ?? AUTOSCALE_DEFAULTS.provisionMs / 1000) * 1000,
    cooldownMs: (f.cooldownS ?? AUTOSCALE_DEFAULTS.cooldownMs / 1000) * 1000,
  };
}
