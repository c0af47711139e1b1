/**
 * Beyond the study: per-request latency percentiles and failures/retries, per platform and phase,
 * from the request summary (never the rows: a full-size run has ~700 000, a month of runs many more).
 * The study reports only per-batch aggregates; tails and error rates are what users of a service feel.
 */
import { PHASES, type Phase } from '../schema/phases';
import type { BatchRow } from '../schema/records';
import type { LatencyDigest, StepCell } from '../schema/request-summary';
import type { FailureRow, LatencyRow, Percentiles } from './model';

/** Points on a quantile curve: 0, 1/STEPS, …, 1. A curve, not every request, keeps a figure small at 100 000+ requests. */
export const LATENCY_CURVE_STEPS = 100;

/** The probabilities every store computes latency quantiles at: the curve's, which include p50, p90, p95 and p99. */
export const LATENCY_PROBABILITIES: readonly number[] = Array.from({ length: LATENCY_CURVE_STEPS + 1 }, (_, i) => i / LATENCY_CURVE_STEPS);

function at(quantiles: readonly number[], p: number): number {
  return quantiles[Math.round(p * LATENCY_CURVE_STEPS)];
}

function percentiles(quantiles: readonly number[]): Percentiles | null {
  if (quantiles.length === 0) return null;
  return { p50: at(quantiles, 0.5), p90: at(quantiles, 0.9), p95: at(quantiles, 0.95), p99: at(quantiles, 0.99) };
}

/** Phases with requests in the run, in the canonical order. */
export function phasesOf(cells: readonly StepCell[]): Phase[] {
  const present = new Set(cells.map((c) => c.phase));
  return PHASES.filter((p) => present.has(p));
}

/** Successful requests of measured batches (the same batches as the per-metric statistics). */
export function latencyTable(latency: readonly LatencyDigest[], cells: readonly StepCell[], platforms: readonly string[]): LatencyRow[] {
  const out: LatencyRow[] = [];
  for (const platform of platforms) {
    for (const phase of phasesOf(cells)) {
      const d = latency.find((l) => l.platform === platform && l.phase === phase);
      const p = d && d.n > 0 ? percentiles(d.quantilesMs) : null;
      out.push({
        platform,
        phase,
        n: d?.n ?? 0,
        durationMs: p && d ? { ...p, mean: d.meanMs!, max: d.maxMs! } : null,
        ttfbMs: phase === 'download' && d?.ttfb && d.ttfb.n > 0 ? percentiles(d.ttfb.quantilesMs) : null,
      });
    }
  }
  return out;
}

/** Requests of non-warm-up batches, failed batches included (that is where the failures are). */
export function failureTable(cells: readonly StepCell[], batches: readonly BatchRow[], platforms: readonly string[]): FailureRow[] {
  const warmup = new Set(batches.filter((b) => b.warmup).map((b) => `${b.platform}\u0000${b.batch}`));
  const counted = cells.filter((c) => !warmup.has(`${c.platform}\u0000${c.batch}`));
  const out: FailureRow[] = [];
  for (const platform of platforms) {
    for (const phase of phasesOf(cells)) {
      const mine = counted.filter((c) => c.platform === platform && c.phase === phase);
      const errorCodes: Record<string, number> = {};
      for (const c of mine) for (const [code, n] of Object.entries(c.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
      const requests = mine.reduce((s, c) => s + c.requests, 0);
      const failed = mine.reduce((s, c) => s + c.failed, 0);
      out.push({
        platform,
        phase,
        requests,
        failed,
        failureRate: requests ? failed / requests : null,
        retried: mine.reduce((s, c) => s + c.retried, 0),
        attempts: mine.reduce((s, c) => s + c.attempts, 0),
        errorCodes,
      });
    }
  }
  return out;
}
