/**
 * Latency histograms of the load scenario: HDR histograms (hdr-histogram-js, the JavaScript port
 * of Gil Tene's HdrHistogram, as used by wrk2 and LoadGen-style tools): fixed relative error
 * (3 significant digits, so a percentile is within 0.1 % of the exact order statistic), constant
 * memory however many requests, and mergeable — shards and steps add up exactly, never averaged.
 * Values are recorded in whole microseconds; everything outside this module speaks milliseconds.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** One hour in microseconds: longer than any request deadline allows. */
const HIGHEST_US = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;

/**
 * The rank (1-based) of the value at percentile p of n values, as HdrHistogram reads it: the
 * smallest count covering p % (ceil of p/100 · n, guarded against 99.9/100 · 1000 = 999.0000000000001).
 */
export function percentileRank(p: number, n: number): number {
  return Math.max(1, Math.ceil((p / 100) * n - 1e-9));
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  private constructor(private readonly h: Histogram) {}

  /**
   * `packed` (the default) grows with the distinct values recorded: a few kB for a second's worth.
   * `dense` is a flat 32-bit array (~180 kB) that records faster: for the few histograms a step
   * feeds on every request while the generator must keep its schedule.
   */
  static create(layout: 'packed' | 'dense' = 'packed'): LatencyHistogram {
    return new LatencyHistogram(
      build({ bitBucketSize: layout === 'dense' ? 32 : 'packed', lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: SIGNIFICANT_DIGITS }),
    );
  }

  /** From `encode()`'s text (HdrHistogram's compressed base64 format, readable by its other ports). */
  static decode(text: string): LatencyHistogram {
    return new LatencyHistogram(decodeFromCompressedBase64(text, 'packed'));
  }

  record(ms: number): void {
    // Clamped, not thrown: a negative (clock) or absurd value must not end a run; 0 µs → 1.
    this.h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
  }

  get count(): number {
    return this.h.totalCount;
  }

  /**
   * The value at percentile p (0–100), ms: the smallest recorded value with at least p % at or
   * below it. HdrHistogram reads it as the top of its bucket, which can pass the largest value
   * recorded by up to 0.1 %: never more than that maximum (which it keeps exactly).
   */
  at(p: number): number {
    return Math.min(this.h.getValueAtPercentile(p), this.h.maxValue) / 1000;
  }

  summary(): LatencySummary | null {
    if (this.h.totalCount === 0) return null;
    return { count: this.h.totalCount, mean: this.h.mean / 1000, p50: this.at(50), p90: this.at(90), p99: this.at(99), max: this.h.maxValue / 1000 };
  }

  encode(): string {
    return encodeIntoCompressedBase64(this.h);
  }
}
