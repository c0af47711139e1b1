/**
 * Percentile-bootstrap confidence interval for the difference of medians of two
 * independent samples. Seeded so a published report can be regenerated exactly.
 */
import { mulberry32 } from '../random';
import { assertFiniteSample, quantileSorted, sortedAscending, StatsInputError } from './descriptive';

export interface BootstrapOptions {
  iterations?: number;
  seed?: number;
  /** Confidence level in (0, 1). */
  level?: number;
}

export interface BootstrapResult {
  /** median(a) − median(b) on the original samples. */
  estimate: number;
  lower: number;
  upper: number;
  iterations: number;
  level: number;
  seed: number;
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function resampledMedian(source: readonly number[], buffer: Float64Array, random: () => number): number {
  for (let i = 0; i < buffer.length; i++) buffer[i] = source[Math.floor(random() * source.length)];
  buffer.sort(); // typed-array sort is numeric
  return medianOfSorted(buffer);
}

/**
 * Each iteration resamples a and b independently with replacement (sizes kept)
 * and records median(a*) − median(b*). The interval is the (1 − level)/2 and
 * (1 + level)/2 quantiles of those differences (type 7 interpolation).
 */
export function bootstrapMedianDiffCI(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions = {},
): BootstrapResult {
  const { iterations = 10_000, seed = 1, level = 0.95 } = options;
  assertFiniteSample(a, 'a');
  assertFiniteSample(b, 'b');
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new StatsInputError(`bootstrap: iterations must be a positive integer, got ${iterations}`);
  }
  if (!(level > 0 && level < 1)) throw new StatsInputError(`bootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isFinite(seed)) throw new StatsInputError(`bootstrap: seed must be a finite number, got ${seed}`);

  const random = mulberry32(seed);
  const bufferA = new Float64Array(a.length);
  const bufferB = new Float64Array(b.length);
  const differences = new Array<number>(iterations);
  for (let r = 0; r < iterations; r++) {
    differences[r] = resampledMedian(a, bufferA, random) - resampledMedian(b, bufferB, random);
  }
  const sorted = sortedAscending(differences);
  const estimate = quantileSorted(sortedAscending(a), 0.5) - quantileSorted(sortedAscending(b), 0.5);
  return {
    estimate,
    lower: quantileSorted(sorted, (1 - level) / 2),
    upper: quantileSorted(sorted, (1 + level) / 2),
    iterations,
    level,
    seed,
  };
}

/**
 * Percentile-bootstrap confidence interval for the median of one sample (the same resampling and
 * quantile rule as bootstrapMedianDiffCI); `estimate` is the sample median.
 */
export function bootstrapMedianCI(a: readonly number[], options: BootstrapOptions = {}): BootstrapResult {
  const { iterations = 10_000, seed = 1, level = 0.95 } = options;
  assertFiniteSample(a, 'a');
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new StatsInputError(`bootstrap: iterations must be a positive integer, got ${iterations}`);
  }
  if (!(level > 0 && level < 1)) throw new StatsInputError(`bootstrap: level must be in (0, 1), got ${level}`);
  const random = mulberry32(seed);
  const buffer = new Float64Array(a.length);
  const medians = new Array<number>(iterations);
  for (let r = 0; r < iterations; r++) medians[r] = resampledMedian(a, buffer, random);
  const sorted = sortedAscending(medians);
  return {
    estimate: quantileSorted(sortedAscending(a), 0.5),
    lower: quantileSorted(sorted, (1 - level) / 2),
    upper: quantileSorted(sorted, (1 + level) / 2),
    iterations,
    level,
    seed,
  };
}
