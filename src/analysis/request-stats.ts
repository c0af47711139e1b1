/**
 * Beyond the study: per-request latency percentiles and failures/retries, per platform and phase.
 * The study reports only per-batch aggregates; tails and error rates are what users of a service feel.
 */
import { PHASES, type Phase } from '../config/experiment';
import type { BatchRow, RequestRow } from '../experiment/records';
import { quantileSorted, sortedAscending } from './descriptive';
import type { FailureRow, LatencyRow, Percentiles } from './model';

const batchKey = (platform: string, batch: number) => `${platform}\u0000${batch}`;

function percentiles(values: number[]): Percentiles | null {
  if (values.length === 0) return null;
  const s = sortedAscending(values);
  return { p50: quantileSorted(s, 0.5), p90: quantileSorted(s, 0.9), p95: quantileSorted(s, 0.95), p99: quantileSorted(s, 0.99) };
}

/** Phases present in the run, in the canonical order. */
function phasesOf(requests: RequestRow[]): Phase[] {
  const present = new Set(requests.map((r) => r.phase));
  return PHASES.filter((p) => present.has(p));
}

/** Successful requests of measured batches (the same batches as the per-metric statistics). */
export function latencyTable(requests: RequestRow[], measured: BatchRow[], platforms: string[]): LatencyRow[] {
  const keep = new Set(measured.map((b) => batchKey(b.platform, b.batch)));
  const rows = requests.filter((r) => r.ok && keep.has(batchKey(r.platform, r.batch)));
  const out: LatencyRow[] = [];
  for (const platform of platforms) {
    for (const phase of phasesOf(requests)) {
      const mine = rows.filter((r) => r.platform === platform && r.phase === phase);
      const durations = mine.map((r) => r.durationMs).filter(Number.isFinite);
      const p = percentiles(durations);
      const ttfb = phase === 'download' ? percentiles(mine.map((r) => r.ttfbMs).filter((v): v is number => v !== null && Number.isFinite(v))) : null;
      out.push({
        platform,
        phase,
        n: durations.length,
        durationMs: p ? { ...p, mean: durations.reduce((s, v) => s + v, 0) / durations.length, max: durations.reduce((m, v) => (v > m ? v : m), -Infinity) } : null,
        ttfbMs: ttfb,
      });
    }
  }
  return out;
}

/** Requests of non-warm-up batches, failed batches included (that is where the failures are). */
export function failureTable(requests: RequestRow[], batches: BatchRow[], platforms: string[]): FailureRow[] {
  const warmup = new Set(batches.filter((b) => b.warmup).map((b) => batchKey(b.platform, b.batch)));
  const rows = requests.filter((r) => !warmup.has(batchKey(r.platform, r.batch)));
  const out: FailureRow[] = [];
  for (const platform of platforms) {
    for (const phase of phasesOf(requests)) {
      const mine = rows.filter((r) => r.platform === platform && r.phase === phase);
      const errorCodes: Record<string, number> = {};
      for (const r of mine) if (!r.ok) errorCodes[r.errorCode ?? 'unknown'] = (errorCodes[r.errorCode ?? 'unknown'] ?? 0) + 1;
      const failed = mine.filter((r) => !r.ok).length;
      out.push({
        platform,
        phase,
        requests: mine.length,
        failed,
        failureRate: mine.length ? failed / mine.length : null,
        retried: mine.filter((r) => r.attempts > 1).length,
        attempts: mine.reduce((s, r) => s + r.attempts, 0),
        errorCodes,
      });
    }
  }
  return out;
}
