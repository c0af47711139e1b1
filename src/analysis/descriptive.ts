/**
 * Descriptive statistics for one sample of measurements, plus the input
 * validation shared by every module in src/analysis.
 */
import { UserError } from '../errors';

/** Thrown when a statistic is asked of data it is not defined for. */
export class StatsInputError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'StatsInputError';
  }
}

/**
 * Rejects empty samples and non-finite values. Silently propagating NaN into a
 * paper's tables is worse than failing loudly, so every entry point calls this.
 */
export function assertFiniteSample(values: readonly number[], name = 'values'): void {
  if (!Array.isArray(values)) throw new StatsInputError(`${name} must be an array of numbers`);
  if (values.length === 0) throw new StatsInputError(`${name} is empty`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new StatsInputError(`${name}[${i}] is not a finite number: ${String(v)}`);
    }
  }
}

/** Ascending numeric copy (Array#sort without a comparator sorts as strings). */
export function sortedAscending(values: readonly number[]): number[] {
  // A typed-array sort is numeric and about 3× faster than a comparator sort (latency samples
  // of a full run hold ~10^5 values per platform and phase). Inputs are validated finite.
  return Array.from(Float64Array.from(values).sort());
}

/**
 * Quantile of an already ascending-sorted sample by Hyndman & Fan type 7:
 * linear interpolation between closest ranks, h = (n - 1)p. This is R's default
 * `quantile()` and numpy's default `method='linear'`, so figures can be checked
 * against either.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new StatsInputError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new StatsInputError(`quantile probability must be in [0, 1], got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Median of a sample (type 7 at p = 0.5, i.e. the usual mid-point rule). */
export function median(values: readonly number[]): number {
  assertFiniteSample(values);
  return quantileSorted(sortedAscending(values), 0.5);
}

export interface Summary {
  n: number;
  mean: number;
  /**
   * Sample standard deviation (denominator n - 1). `null` when n = 1: one
   * observation carries no information about spread, and 0 would be a lie.
   */
  sd: number | null;
  median: number;
  min: number;
  max: number;
  /** Percentiles, all Hyndman & Fan type 7 (see `quantileSorted`). */
  p5: number;
  p25: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
}

/** Summary of one sample. Throws StatsInputError on empty or non-finite input. */
export function summarize(values: readonly number[]): Summary {
  assertFiniteSample(values);
  const sorted = sortedAscending(values);
  const n = sorted.length;

  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;

  // Two-pass variance: summing squared deviations from the mean avoids the
  // cancellation of the E[x²] - E[x]² shortcut on large, tightly-spread latencies.
  let squaredDeviations = 0;
  for (const v of sorted) squaredDeviations += (v - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(squaredDeviations / (n - 1)) : null;

  const q = (p: number) => quantileSorted(sorted, p);
  return {
    n,
    mean,
    sd,
    median: q(0.5),
    min: sorted[0],
    max: sorted[n - 1],
    p5: q(0.05),
    p25: q(0.25),
    p75: q(0.75),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
  };
}
