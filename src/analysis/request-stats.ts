/**
 * Beyond the study: per-request latency percentiles and failures/retries, per platform and phase.
 * The study reports only per-batch aggregates; tails and error rates are what users of a service feel.
 */
import { PHASES, type Phase } from '../config/experiment';
import { type BatchRow, type RequestRow } from '../schema/records';
import { quantileSorted, sortedAscending } from './descriptive';
import type { FailureRow, LatencyRow, Percentiles } from './model';

const batchKey = (platform: string, batch: number) => `${platform}\u0000${batch}`;

/** Requests grouped by phase, then platform, in one pass over the rows (a full-size run has ~700 000). */
export function groupRequests(
  requests: readonly RequestRow[],
  keep: (r: RequestRow) => boolean,
): Map<Phase, Map<string, RequestRow[]>> {
  const out = new Map<Phase, Map<string, RequestRow[]>>();
  for (const r of requests) {
    if (!keep(r)) continue;
    let byPlatform = out.get(r.phase);
    if (!byPlatform) out.set(r.phase, (byPlatform = new Map()));
    let list = byPlatform.get(r.platform);
    if (!list) byPlatform.set(r.platform, (list = []));
    list.push(r);
  }
  return out;
}

/** Batches that count for statistics (not warm-up, not failed), as a membership test for request rows. */
function inBatches(batches: readonly BatchRow[]): (r: RequestRow) => boolean {
  const keys = new Set(batches.map((b) => batchKey(b.platform, b.batch)));
  return (r) => keys.has(batchKey(r.platform, r.batch));
}

/**
 * Latencies (ms) of the successful requests of the given (measured) batches, by phase and platform,
 * each list sorted ascending: the samples behind the latency table and the latency figures.
 */
export function latencySamples(requests: readonly RequestRow[], measured: readonly BatchRow[]): Map<Phase, Map<string, number[]>> {
  const isMeasured = inBatches(measured);
  const groups = groupRequests(requests, (r) => r.ok && Number.isFinite(r.durationMs) && isMeasured(r));
  return new Map(
    [...groups].map(([phase, byPlatform]) => [
      phase,
      new Map([...byPlatform].map(([platform, rows]) => [platform, sortedAscending(rows.map((r) => r.durationMs))])),
    ]),
  );
}

function percentiles(sorted: number[]): Percentiles | null {
  if (sorted.length === 0) return null;
  return { p50: quantileSorted(sorted, 0.5), p90: quantileSorted(sorted, 0.9), p95: quantileSorted(sorted, 0.95), p99: quantileSorted(sorted, 0.99) };
}

/** Phases present in the run, in the canonical order. */
function phasesOf(requests: readonly RequestRow[]): Phase[] {
  const present = new Set(requests.map((r) => r.phase));
  return PHASES.filter((p) => present.has(p));
}

/** Successful requests of measured batches (the same batches as the per-metric statistics). */
export function latencyTable(
  requests: readonly RequestRow[],
  measured: readonly BatchRow[],
  platforms: readonly string[],
  samples: Map<Phase, Map<string, number[]>> = latencySamples(requests, measured),
): LatencyRow[] {
  const isMeasured = inBatches(measured);
  const ttfbGroups = groupRequests(requests, (r) => r.ok && r.phase === 'download' && r.ttfbMs !== null && Number.isFinite(r.ttfbMs) && isMeasured(r));
  const out: LatencyRow[] = [];
  const phases = phasesOf(requests);
  for (const platform of platforms) {
    for (const phase of phases) {
      const durations = samples.get(phase)?.get(platform) ?? [];
      const p = percentiles(durations);
      const ttfbRows = ttfbGroups.get(phase)?.get(platform) ?? [];
      out.push({
        platform,
        phase,
        n: durations.length,
        // Sorted ascending, so the maximum is the last value.
        durationMs: p ? { ...p, mean: durations.reduce((s, v) => s + v, 0) / durations.length, max: durations[durations.length - 1] } : null,
        ttfbMs: phase === 'download' ? percentiles(sortedAscending(ttfbRows.map((r) => r.ttfbMs as number))) : null,
      });
    }
  }
  return out;
}

/** Requests of non-warm-up batches, failed batches included (that is where the failures are). */
export function failureTable(requests: RequestRow[], batches: BatchRow[], platforms: string[]): FailureRow[] {
  const warmup = new Set(batches.filter((b) => b.warmup).map((b) => batchKey(b.platform, b.batch)));
  const groups = groupRequests(requests, (r) => !warmup.has(batchKey(r.platform, r.batch)));
  const out: FailureRow[] = [];
  const phases = phasesOf(requests);
  for (const platform of platforms) {
    for (const phase of phases) {
      const mine = groups.get(phase)?.get(platform) ?? [];
      const errorCodes: Record<string, number> = {};
      let failed = 0;
      let retried = 0;
      let attempts = 0;
      for (const r of mine) {
        if (!r.ok) {
          failed += 1;
          errorCodes[r.errorCode ?? 'unknown'] = (errorCodes[r.errorCode ?? 'unknown'] ?? 0) + 1;
        }
        if (r.attempts > 1) retried += 1;
        attempts += r.attempts;
      }
      out.push({
        platform,
        phase,
        requests: mine.length,
        failed,
        failureRate: mine.length ? failed / mine.length : null,
        retried,
        attempts,
        errorCodes,
      });
    }
  }
  return out;
}
