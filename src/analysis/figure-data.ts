/**
 * The data the report's figures draw, computed here once from the run's rows: per-batch values of
 * each metric, latency quantile curves per phase, and who is fastest. The report (and a notebook)
 * read them from the analysis model and never touch the rows.
 */
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { PHASES, type Phase } from '../schema/phases';
import { isMeasured, MIB, shownBatch, type BatchRow } from '../schema/records';
import type { LatencyDigest } from '../schema/request-summary';
import { LATENCY_PROBABILITIES } from './request-stats';
import type { BatchPoint, BatchViews, LatencyPoint, LatencyRow, LatencyView } from './model';
import { orderBy, uniqueLowest } from './ordering';

/** Batches are numbered as shown everywhere (from 1, shownBatch), not as stored. */
export function batchPoints(rows: readonly BatchRow[], metric: BatchMetricKey): BatchPoint[] {
  const out: BatchPoint[] = [];
  for (const r of rows) {
    const v = r[metric];
    if (v === null || !Number.isFinite(v)) continue;
    out.push({ platform: r.platform, batch: shownBatch(r.batch), value: v, measured: isMeasured(r) });
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

/** Per platform, its latency quantile curve (type 7 at LATENCY_PROBABILITIES) of one phase. */
export function latencyCurve(latency: readonly LatencyDigest[], phase: Phase, platforms: readonly string[]): LatencyPoint[] {
  const out: LatencyPoint[] = [];
  for (const platform of platforms) {
    const d = latency.find((l) => l.platform === platform && l.phase === phase);
    if (!d || d.n === 0) continue;
    d.quantilesMs.forEach((latencyMs, i) => out.push({ platform, latencyMs, fraction: LATENCY_PROBABILITIES[i] }));
  }
  return out;
}

/** Per phase that has requests: the curve and the leaders, from the latency table's own numbers. */
export function latencyViews(latency: readonly LatencyDigest[], platforms: readonly string[], table: readonly LatencyRow[]): LatencyView[] {
  const phases: Phase[] = PHASES.filter((ph) => table.some((l) => l.phase === ph));
  return phases.map((phase) => {
    const rows = table.filter((l) => l.phase === phase);
    const p50 = rows.map((l) => [l.platform, l.durationMs?.p50 ?? null] as const);
    return {
      phase,
      curve: latencyCurve(latency, phase, platforms),
      byP50: orderBy(p50, 'lower'),
      bestP50: uniqueLowest(p50),
      bestP99: uniqueLowest(rows.map((l) => [l.platform, l.durationMs?.p99 ?? null] as const)),
    };
  });
}
