/**
 * The request summary (schema/request-summary.ts) computed in JavaScript from rows seen one at a
 * time: what requests.jsonl (streamed) and in-memory rows (a notebook's loadRun) give the analysis.
 * It keeps counters per platform × batch × phase and the successful latencies per step as
 * float arrays (8 bytes a request), not the rows.
 */
import { PHASES, type Phase } from '../../schema/phases';
import type { RequestRow } from '../../schema/records';
import { durationTotals, interpolate, quantileIndex, type LatencyDigest, type StepCell } from '../../schema/request-summary';

const cellKey = (platform: string, batch: number, phase: Phase) => `${platform}\u0000${batch}\u0000${phase}`;

/** A growable float array: a plain number[] of 700 000 latencies costs twice the memory. */
class Floats {
  private data = new Float64Array(64);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

interface Step {
  cell: StepCell;
  durations: Floats;
  ttfb: Floats;
}

/** Type-7 quantiles of a sorted array at each probability. */
function quantilesOfSorted(sorted: Float64Array, probabilities: readonly number[]): number[] {
  if (sorted.length === 0) return [];
  return probabilities.map((p) => {
    const { lo, hi, fraction } = quantileIndex(sorted.length, p);
    return interpolate(sorted[lo], sorted[hi], fraction);
  });
}

export class RequestSummaryBuilder {
  private readonly steps = new Map<string, Step>();

  add(r: RequestRow): void {
    const key = cellKey(r.platform, r.batch, r.phase);
    let step = this.steps.get(key);
    if (!step) {
      const cell: StepCell = {
        platform: r.platform, batch: r.batch, phase: r.phase, requests: 0, failed: 0, retried: 0, attempts: 0, okBytes: 0, errorCodes: {},
        okDurationMsSum: 0, okDurationMsMax: null, okTtfbCount: 0,
      };
      this.steps.set(key, (step = { cell, durations: new Floats(), ttfb: new Floats() }));
    }
    const c = step.cell;
    c.requests += 1;
    c.attempts += r.attempts;
    if (r.attempts > 1) c.retried += 1;
    if (r.ok) {
      c.okBytes += r.bytes;
      // Every row's duration is a finite number (the log's check and the store's types see to it).
      step.durations.push(r.durationMs);
      c.okDurationMsSum += r.durationMs;
      c.okDurationMsMax = c.okDurationMsMax === null ? r.durationMs : Math.max(c.okDurationMsMax, r.durationMs);
      if (r.ttfbMs !== null && Number.isFinite(r.ttfbMs)) {
        step.ttfb.push(r.ttfbMs);
        c.okTtfbCount += 1;
      }
    } else {
      c.failed += 1;
      const code = r.errorCode ?? 'unknown';
      c.errorCodes[code] = (c.errorCodes[code] ?? 0) + 1;
    }
  }

  cells(): StepCell[] {
    return [...this.steps.values()].map((s) => s.cell);
  }

  /**
   * Per platform × phase over the given steps (platform, batch): count, mean, max and quantiles of
   * the successful requests' latencies, and of the downloads' time to first byte.
   */
  latency(steps: readonly { platform: string; batch: number }[], probabilities: readonly number[]): LatencyDigest[] {
    const out: LatencyDigest[] = [];
    const platforms = [...new Set(steps.map((s) => s.platform))];
    for (const platform of platforms) {
      for (const phase of PHASES) {
        const mine = steps.filter((s) => s.platform === platform).map((s) => this.steps.get(cellKey(platform, s.batch, phase))).filter((s): s is Step => s !== undefined);
        if (mine.length === 0) continue;
        const durations = concat(mine.map((s) => s.durations.values())).sort();
        const totals = durationTotals(mine.map((s) => s.cell));
        const ttfb = phase === 'download' ? concat(mine.map((s) => s.ttfb.values())).sort() : null;
        out.push({
          platform,
          phase,
          n: durations.length,
          meanMs: totals.meanMs,
          maxMs: totals.maxMs,
          quantilesMs: quantilesOfSorted(durations, probabilities),
          ttfb: ttfb ? { n: ttfb.length, quantilesMs: quantilesOfSorted(ttfb, probabilities) } : null,
        });
      }
    }
    return out;
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
