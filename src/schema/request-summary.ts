/**
 * What the analysis needs from a run's request rows, without the rows: per platform × batch × phase
 * counts (for the integrity check, failures and the run's bill), and per platform × phase the
 * latency quantiles of the measured batches. The columnar store computes it in SQL, requests.jsonl
 * by streaming, in-memory rows directly; all three give the same numbers.
 */
import type { Phase } from './phases';

/** One phase of one platform × batch. */
export interface StepCell {
  platform: string;
  /** 0-based, as in the files. */
  batch: number;
  phase: Phase;
  requests: number;
  failed: number;
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Sum of attempts: every attempt is a billed request. */
  attempts: number;
  /** Bytes of the successful requests. */
  okBytes: number;
  /** Failed requests by error code ('unknown' when none was recorded). */
  errorCodes: Record<string, number>;
  /** Sum and maximum of the successful requests' durations (ms); max null when none succeeded. */
  okDurationMsSum: number;
  okDurationMsMax: number | null;
  /** Successful requests with a time to first byte. */
  okTtfbCount: number;
}

/** Count, mean and max of the successful requests' durations over some cells (their sums, in cell order). */
export function durationTotals(cells: readonly StepCell[]): { n: number; meanMs: number | null; maxMs: number | null; ttfbCount: number } {
  let n = 0;
  let sum = 0;
  let max: number | null = null;
  let ttfbCount = 0;
  for (const c of cells) {
    n += c.requests - c.failed;
    sum += c.okDurationMsSum;
    if (c.okDurationMsMax !== null) max = max === null ? c.okDurationMsMax : Math.max(max, c.okDurationMsMax);
    ttfbCount += c.okTtfbCount;
  }
  return { n, meanMs: n ? sum / n : null, maxMs: max, ttfbCount };
}

/** Type-7 quantiles of the successful requests' latencies of one platform and phase (measured batches). */
export interface LatencyDigest {
  platform: string;
  phase: Phase;
  n: number;
  meanMs: number | null;
  maxMs: number | null;
  /** At the probabilities asked for, in order; empty when n = 0. */
  quantilesMs: number[];
  /** Time to first byte of downloads (n counts the rows that have one); null for other phases. */
  ttfb: { n: number; quantilesMs: number[] } | null;
}

/**
 * Type 7 (Hyndman & Fan; R's and numpy's default) from the order statistics at floor(h) and
 * floor(h) + 1, h = (n − 1)·p: the one formula every store uses, so they agree to the last bit.
 */
export function quantileIndex(n: number, p: number): { lo: number; hi: number; fraction: number } {
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  return { lo, hi: Math.min(lo + 1, n - 1), fraction: h - lo };
}

export function interpolate(loValue: number, hiValue: number, fraction: number): number {
  return loValue + fraction * (hiValue - loValue);
}
