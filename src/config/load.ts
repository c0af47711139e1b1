/**
 * The `load:` block of an experiment config: an open-loop load scenario on every platform's
 * inference endpoint, run after the study's batch protocol (which stays the default, unchanged).
 * Arrivals follow a schedule (Poisson or constant) at one rate, a list of rates (a sweep), or a
 * step-up search for the highest rate that meets a latency target.
 */
import { ConfigError, Field } from './validate';

export type Arrival = 'poisson' | 'constant';

export interface LatencyTarget {
  /** Which percentile of the coordinated-omission-corrected latency must meet the target (e.g. 99). */
  percentile: number;
  ms: number;
}

export interface CapacitySearch {
  /** First rate tried, requests per second. */
  start: number;
  /** Each next rate: the previous × factor (geometric) or + step (linear); exactly one is set. */
  factor: number | null;
  step: number | null;
  /** Never try a rate above this. */
  max: number;
}

export interface LoadStepBounds {
  /** A rate step lasts at least this long (after its warm-up)… */
  minDurationS: number;
  /** …and sends at least this many measured requests: whichever takes longer decides. */
  minRequests: number;
  /** Requests of the first warmupS seconds of a step are recorded but left out of its statistics. */
  warmupS: number;
}

export interface LoadConfig {
  arrival: Arrival;
  /** A sweep: every rate in order (requests per second); null when `search` is used. */
  rates: number[] | null;
  search: CapacitySearch | null;
  slo: LatencyTarget;
  /** A step fails its target when more than this fraction of its measured requests fail. */
  errorTolerance: number;
  step: LoadStepBounds;
  /** Stop a step as soon as its target cannot be met any more (or its error budget is spent). */
  earlyStop: boolean;
  /** Requests in flight per endpoint at most: later arrivals wait (and their wait is counted). */
  maxInFlight: number;
  /** Requests of the whole load scenario at most, every platform and step together (checked before the run). */
  maxRequests: number;
  /** Before each platform's first step: stay idle this long, then time one request (a cold start); null: no probe. */
  coldStart: { idleS: number } | null;
}

/** A `load:` block as written: every field but `rates` or `search` may be left to its default. */
export type LoadConfigInput = Partial<Omit<LoadConfig, 'rates' | 'search' | 'slo' | 'step' | 'coldStart'>> & {
  rates?: number[];
  search?: { start: number; max: number; factor?: number; step?: number };
  slo?: Partial<LatencyTarget>;
  step?: Partial<LoadStepBounds>;
  coldStart?: { idleS: number };
};

export const LOAD_DEFAULTS = {
  arrival: 'poisson' as Arrival,
  slo: { percentile: 99, ms: 1000 },
  errorTolerance: 0.01,
  step: { minDurationS: 10, minRequests: 50, warmupS: 2 },
  earlyStop: true,
  maxInFlight: 64,
  maxRequests: 20_000,
};

/** Above this an arrival schedule is beyond what one Node client can keep (see `npm run bench`). */
export const MAX_RATE = 5_000;
/** Capacity search tries at most this many rates per platform. */
export const MAX_SEARCH_STEPS = 40;

const LOAD_KEYS = ['arrival', 'rates', 'search', 'slo', 'errorTolerance', 'step', 'earlyStop', 'maxInFlight', 'maxRequests', 'coldStart'] as const;

function rate(f: Field): number {
  const v = f.number({ max: MAX_RATE });
  if (!(v > 0)) throw new ConfigError(`${f.path}: expected a rate above 0 requests per second (at most ${MAX_RATE}), got ${v}`);
  return v;
}

function parseSearch(f: Field): CapacitySearch {
  f.onlyKeys(['start', 'factor', 'step', 'max']);
  const hasFactor = f.child('factor').present;
  const hasStep = f.child('step').present;
  if (hasFactor === hasStep) throw new ConfigError(`${f.path}: give exactly one of "factor" (each rate × factor) or "step" (each rate + step)`);
  const start = rate(f.child('start'));
  const max = rate(f.child('max'));
  if (max < start) throw new ConfigError(`${f.path}.max: ${max} is below start (${start})`);
  const factor = hasFactor ? f.child('factor').number({ min: 1.05, max: 10 }) : null;
  const step = hasStep ? rate(f.child('step')) : null;
  const s: CapacitySearch = { start, factor, step, max };
  if (searchRates(s).length > MAX_SEARCH_STEPS) {
    throw new ConfigError(`${f.path}: from ${start} to ${max} that is more than ${MAX_SEARCH_STEPS} rates; use a larger ${hasFactor ? 'factor' : 'step'} or a smaller max`);
  }
  return s;
}

/** Every rate a capacity search may try, in order. */
export function searchRates(s: CapacitySearch): number[] {
  const out: number[] = [];
  // Rounded to 1e-6 so 0.1-steps do not drift into 0.30000000000000004.
  for (let r = s.start; r <= s.max * (1 + 1e-9) && out.length <= MAX_SEARCH_STEPS; r = s.factor ? r * s.factor : r + (s.step as number)) {
    out.push(Math.round(r * 1e6) / 1e6);
  }
  return out;
}

export function parseLoadConfig(f: Field): LoadConfig {
  f.onlyKeys(LOAD_KEYS);
  const hasRates = f.child('rates').present;
  const hasSearch = f.child('search').present;
  if (hasRates === hasSearch) throw new ConfigError(`${f.path}: give exactly one of "rates" (a list of requests per second) or "search" (a capacity search)`);
  const rates = hasRates ? f.child('rates').array().map(rate) : null;
  if (rates && rates.length === 0) throw new ConfigError(`${f.path}.rates: expected at least one rate`);
  if (rates && new Set(rates).size !== rates.length) throw new ConfigError(`${f.path}.rates: a rate is listed twice`);

  const sloField = f.child('slo');
  if (sloField.present) sloField.onlyKeys(['percentile', 'ms']);
  const slo: LatencyTarget = {
    percentile: sloField.child('percentile').number({ min: 50, max: 99.99, default: LOAD_DEFAULTS.slo.percentile }),
    ms: sloField.child('ms').number({ min: 1, max: 600_000, default: LOAD_DEFAULTS.slo.ms }),
  };
  const stepField = f.child('step');
  if (stepField.present) stepField.onlyKeys(['minDurationS', 'minRequests', 'warmupS']);
  const step: LoadStepBounds = {
    minDurationS: stepField.child('minDurationS').number({ min: 0, max: 3600, default: LOAD_DEFAULTS.step.minDurationS }),
    minRequests: stepField.child('minRequests').int({ min: 1, max: 1_000_000, default: LOAD_DEFAULTS.step.minRequests }),
    warmupS: stepField.child('warmupS').number({ min: 0, max: 600, default: LOAD_DEFAULTS.step.warmupS }),
  };
  const coldField = f.child('coldStart');
  let coldStart: LoadConfig['coldStart'] = null;
  if (coldField.present) {
    coldField.onlyKeys(['idleS']);
    coldStart = { idleS: coldField.child('idleS').number({ min: 0, max: 3600 }) };
  }
  return {
    arrival: f.child('arrival').oneOf(['poisson', 'constant'] as const, { default: LOAD_DEFAULTS.arrival }),
    rates,
    search: hasSearch ? parseSearch(f.child('search')) : null,
    slo,
    errorTolerance: f.child('errorTolerance').number({ min: 0, max: 1, default: LOAD_DEFAULTS.errorTolerance }),
    step,
    earlyStop: f.child('earlyStop').boolean({ default: LOAD_DEFAULTS.earlyStop }),
    maxInFlight: f.child('maxInFlight').int({ min: 1, max: 4096, default: LOAD_DEFAULTS.maxInFlight }),
    maxRequests: f.child('maxRequests').int({ min: 1, max: 10_000_000, default: LOAD_DEFAULTS.maxRequests }),
    coldStart,
  };
}

/**
 * Requests of one step at `rate`: warm-up ones, then measured ones (enough for both the duration
 * and the count), and which of the two bounds set the length.
 */
export function stepRequestCounts(load: Pick<LoadConfig, 'step'>, rate: number): { warmup: number; measured: number; lengthBy: 'duration' | 'count' } {
  const byDuration = Math.ceil(rate * load.step.minDurationS);
  return {
    warmup: Math.ceil(rate * load.step.warmupS),
    measured: Math.max(load.step.minRequests, byDuration),
    lengthBy: byDuration > load.step.minRequests ? 'duration' : 'count',
  };
}

/** The most requests a load scenario can send: every planned rate on every platform (plus cold-start probes). */
export function plannedLoadRequests(load: LoadConfig, platforms: number): number {
  const rates = load.rates ?? searchRates(load.search as CapacitySearch);
  const perPlatform = rates.reduce((sum, r) => {
    const c = stepRequestCounts(load, r);
    return sum + c.warmup + c.measured;
  }, 0);
  return platforms * (perPlatform + (load.coldStart ? 1 : 0));
}

/** Refuses a scenario whose planned requests exceed its own bound, with the numbers to change. */
export function checkLoadBudget(load: LoadConfig, platforms: number, at = 'config.load'): void {
  const planned = plannedLoadRequests(load, platforms);
  if (planned > load.maxRequests) {
    throw new ConfigError(
      `${at}: the planned steps need up to ${planned} requests (${platforms} platform${platforms > 1 ? 's' : ''}), more than maxRequests (${load.maxRequests}); ` +
        'raise maxRequests, or use fewer or lower rates, or shorter steps',
    );
  }
}
