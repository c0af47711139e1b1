/**
 * The data the report's figures draw, computed here once from the run's rows: per-batch values of
 * each metric, latency quantile curves per phase, and who is fastest. The report (and a notebook)
 * read them from the analysis model and never touch the rows.
 */
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { PHASES, type Phase } from '../schema/phases';
import { isMeasured, MIB, type BatchRow } from '../schema/records';
import { quantileSorted } from './descriptive';
import type { BatchPoint, BatchViews, LatencyPoint, LatencyRow, LatencyView } from './model';
import { orderBy, uniqueLowest } from './ordering';

/** Points on a quantile curve: 0, 1/STEPS, …, 1. A curve, not every request, keeps a figure small at 100 000+ requests. */
export const LATENCY_CURVE_STEPS = 100;

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

export function batchViews(rows: readonly BatchRow[]): BatchViews {
  const measured = rows.filter(isMeasured);
  const bytes = measured.reduce((s, r) => s + r.bytes, 0);
  return {
    series: Object.fromEntries(BATCH_METRICS.map((m) => [m.key, batchPoints(rows, m.key)])) as Record<BatchMetricKey, BatchPoint[]>,
    measured: {
      batches: measured.length,
      images: measured.reduce((s, r) => s + r.images, 0),
      bytes,
      meanMiB: measured.length ? bytes / MIB / measured.length : null,
    },
  };
}

/** Type-7 quantiles at 0, 1/steps, …, 1 of each platform's sorted latencies of one phase. */
export function latencyCurve(samples: Map<string, number[]> | undefined, platforms: readonly string[], steps = LATENCY_CURVE_STEPS): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  for (const platform of platforms) {
    const values = samples?.get(platform) ?? [];
    if (values.length === 0) continue;
    for (let i = 0; i <= steps; i++) out.push({ platform, latencyMs: quantileSorted(values, i / steps), fraction: i / steps });
  }
  return out;
}

/** Per phase that has requests: the curve and the leaders, from the latency table's own numbers. */
export function latencyViews(
  samples: Map<Phase, Map<string, number[]>>,
  platforms: readonly string[],
  table: readonly LatencyRow[],
): LatencyView[] {
  const phases: Phase[] = PHASES.filter((ph) => table.some((l) => l.phase === ph));
  return phases.map((phase) => {
    const rows = table.filter((l) => l.phase === phase);
    const p50 = rows.map((l) => [l.platform, l.durationMs?.p50 ?? null] as const);
    return {
      phase,
      curve: latencyCurve(samples.get(phase), platforms),
      byP50: orderBy(p50, 'lower'),
      bestP50: uniqueLowest(p50),
      bestP99: uniqueLowest(rows.map((l) => [l.platform, l.durationMs?.p99 ?? null] as const)),
    };
  });
}
