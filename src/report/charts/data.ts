/**
 * Plain rows → the small, flat datasets the chart specs plot. Pure functions of the run's rows, so
 * a notebook gets exactly the report's figures from `loadRun(dir).batchRows/requestRows`.
 */
import { quantileSorted } from '../../analysis/descriptive';
import { latencySamples } from '../../analysis/request-stats';

export { latencySamples };
import type { Phase } from '../../config/experiment';
import { type BatchRow, type RequestRow } from '../../schema/records';
import { type BatchMetricKey } from '../../schema/metrics';

/** One platform × batch value of one metric. */
export interface BatchPoint {
  platform: string;
  batch: number;
  value: number;
  /** Counted in the statistics (not warm-up, not failed). Excluded points are drawn grey. */
  measured: boolean;
}

/** One point of a platform's empirical distribution function. */
export interface LatencyPoint {
  platform: string;
  latencyMs: number;
  /** Fraction of requests at or below latencyMs, 0–1. */
  fraction: number;
}

export function isMeasured(row: Pick<BatchRow, 'warmup' | 'status'>): boolean {
  return !row.warmup && row.status === 'ok';
}

/** Batches are numbered from 1 in figures, as in the study (the files count from 0). */
export function batchPoints(rows: readonly BatchRow[], metric: BatchMetricKey): BatchPoint[] {
  const out: BatchPoint[] = [];
  for (const r of rows) {
    const v = r[metric];
    if (v === null || !Number.isFinite(v)) continue;
    out.push({ platform: r.platform, batch: r.batch + 1, value: v, measured: isMeasured(r) });
  }
  // Stable order independent of the file's (interleaved) row order.
  return out.sort((a, b) => (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : a.batch - b.batch));
}

/**
 * Quantile curve of one phase's request latencies per platform: `steps + 1` points (type-7
 * quantiles at 0, 1/steps, …, 1). A curve instead of every request keeps the SVG small at 100 000+
 * requests and draws the same picture as an ECDF. `samples` may come from `latencySamples`.
 */
export function latencyCurves(
  requests: readonly RequestRow[],
  batches: readonly BatchRow[],
  phase: Phase,
  platforms: readonly string[],
  steps = 100,
  samples: Map<Phase, Map<string, number[]>> = latencySamples(requests, batches.filter(isMeasured)),
): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  for (const platform of platforms) {
    const values = samples.get(phase)?.get(platform) ?? [];
    if (values.length === 0) continue;
    for (let i = 0; i <= steps; i++) {
      out.push({ platform, latencyMs: quantileSorted(values, i / steps), fraction: i / steps });
    }
  }
  return out;
}
