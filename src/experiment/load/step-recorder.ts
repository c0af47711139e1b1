/**
 * A rate step's statistics, accumulated request by request as responses arrive: HDR histograms of
 * the corrected and naive latencies, schedule lag, model time and overhead; counters; one bucket
 * per second for the latency-over-time figure. Constant memory whatever the step's length (the
 * rows themselves go straight to the run store).
 */
import type { LatencyTarget } from '../../config/load';
import { LatencyHistogram, percentileRank } from '../../schema/latency-histogram';
import type { LoadRequestRow, LoadStepRow, PercentileSet, StepEnd, StepSecond } from '../../schema/load-records';

export interface StepIdentity {
  run: string;
  platform: string;
  step: number;
  rateRps: number;
  arrival: LoadStepRow['arrival'];
  startedAt: string;
  /** Which rows are the step's measurements: 'measured' in a rate step, 'cold' in a cold-start probe. */
  counts: LoadRequestRow['phase'];
}

interface Second {
  completed: number;
  failed: number;
  hist: LatencyHistogram;
  instances: number | null;
}

/** The error code of a request cut off by the step's own early stop: counted apart from failures. */
export const ABANDONED = 'AbandonedAtEarlyStop';

/** Sent ≥ this long after intended counts as late. */
export const LATE_MS = 1;

function percentileSet(h: LatencyHistogram): PercentileSet | null {
  const s = h.summary();
  return s ? { ...s, histogram: h.encode() } : null;
}

export class StepRecorder {
  private readonly corrected: LatencyHistogram;
  private readonly naive: LatencyHistogram;
  private readonly lag: LatencyHistogram;
  private readonly model: LatencyHistogram;
  private readonly overhead: LatencyHistogram;
  private readonly seconds = new Map<number, Second>();
  private readonly errorCodes: Record<string, number> = {};
  private maxCorrected: number | null = null;
  private maxNaive: number | null = null;
  private instancesMin: number | null = null;
  private instancesMax: number | null = null;
  /** The first measured request's intended start, ms since the session's origin (the seconds' and goodput's origin). */
  private originMs = 0;
  private measuredFrom: string | null = null;
  private firstIntended = Infinity;
  private lastIntended = -Infinity;
  private firstSent = Infinity;
  private lastSent = -Infinity;
  private lastEnd = -Infinity;
  sent = 0;
  completed = 0;
  failed = 0;
  abandoned = 0;
  warmup = 0;
  heldBack = 0;
  late = 0;
  /** Successful measured requests whose corrected latency is over the target. */
  overTargetOk = 0;
  /** Requests an early stop cut off after they had waited longer than the target. */
  abandonedOverTarget = 0;

  /** Measured requests over the target for certain: answered late, or cut off after waiting longer. */
  get overTarget(): number {
    return this.overTargetOk + this.abandonedOverTarget;
  }

  /** `layout`: dense while a live step must keep its schedule, packed for a merge's replay (smaller). */
  constructor(
    private readonly id: StepIdentity,
    private readonly slo: LatencyTarget & { errorTolerance: number },
    layout: 'dense' | 'packed' = 'dense',
  ) {
    this.corrected = LatencyHistogram.create(layout);
    this.naive = LatencyHistogram.create(layout);
    this.lag = LatencyHistogram.create(layout);
    this.model = LatencyHistogram.create(layout);
    this.overhead = LatencyHistogram.create(layout);
  }

  /** Set when the schedule reaches its first measured request, before any is sent (`at`: its wall time, when replayed by a merge). */
  startMeasuring(originMs: number, at = new Date()): void {
    this.originMs = originMs;
    this.measuredFrom = at.toISOString();
  }

  /** A measured request left the client (`held`: it waited for an in-flight slot). */
  noteSent(row: Pick<LoadRequestRow, 'intendedMs' | 'sentMs'>, held: boolean): void {
    this.sent += 1;
    if (held) this.heldBack += 1;
    const lag = row.sentMs - row.intendedMs;
    if (lag >= LATE_MS) this.late += 1;
    this.lag.record(lag);
    this.firstIntended = Math.min(this.firstIntended, row.intendedMs);
    this.lastIntended = Math.max(this.lastIntended, row.intendedMs);
    this.firstSent = Math.min(this.firstSent, row.sentMs);
    this.lastSent = Math.max(this.lastSent, row.sentMs);
  }

  /** A request finished (any phase); only measured ones count in the statistics. */
  noteDone(row: LoadRequestRow): void {
    if (row.phase !== this.id.counts) {
      this.warmup += row.phase === 'warmup' ? 1 : 0;
      return;
    }
    if (!row.ok && row.errorCode === ABANDONED) {
      // Cut off by the early stop, so no response: one that had already waited past the target
      // is over it for certain (whatever it would have answered); the others' outcome is unknown.
      if (row.correctedMs > this.slo.ms) this.abandonedOverTarget += 1;
      else this.abandoned += 1;
      return;
    }
    this.completed += 1;
    const end = row.sentMs + row.latencyMs;
    this.lastEnd = Math.max(this.lastEnd, end);
    const sec = Math.max(0, Math.floor((end - this.originMs) / 1000));
    let bucket = this.seconds.get(sec);
    if (!bucket) this.seconds.set(sec, (bucket = { completed: 0, failed: 0, hist: LatencyHistogram.create(), instances: null }));
    if (row.instances !== null) {
      bucket.instances = Math.max(bucket.instances ?? 0, row.instances);
      this.instancesMin = Math.min(this.instancesMin ?? Infinity, row.instances);
      this.instancesMax = Math.max(this.instancesMax ?? 0, row.instances);
    }
    if (!row.ok) {
      this.failed += 1;
      bucket.failed += 1;
      const code = row.errorCode ?? 'Error';
      this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1;
      return;
    }
    bucket.completed += 1;
    bucket.hist.record(row.correctedMs);
    this.corrected.record(row.correctedMs);
    this.naive.record(row.latencyMs);
    this.maxCorrected = Math.max(this.maxCorrected ?? 0, row.correctedMs);
    this.maxNaive = Math.max(this.maxNaive ?? 0, row.latencyMs);
    if (row.correctedMs > this.slo.ms) this.overTargetOk += 1;
    if (row.modelMs !== null) {
      this.model.record(row.modelMs);
      this.overhead.record(Math.max(0, row.latencyMs - row.modelMs));
    }
  }

  /** The step row. `planned`: measured requests the schedule held; a step that ended early sent fewer. */
  finish(planned: number, endedBy: StepEnd, endReason: string | null): LoadStepRow {
    const spanS = (this.lastSent - this.firstSent) / 1000;
    const scheduledSpanS = (this.lastIntended - this.firstIntended) / 1000;
    const seconds: StepSecond[] = [...this.seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, b]) => ({ t, completed: b.completed, failed: b.failed, p99Ms: b.completed ? b.hist.at(99) : null, instances: b.instances }));
    const valueAtSlo = this.corrected.count ? this.corrected.at(this.slo.percentile) : null;
    const ok = this.corrected.count;
    // The histograms keep whole microseconds (their percentiles never pass their own maximum): the
    // row carries the exact maximum, and no percentile above it.
    const exactMax = (set: PercentileSet | null, max: number | null) =>
      set && max !== null ? { ...set, max, p50: Math.min(set.p50, max), p90: Math.min(set.p90, max), p99: Math.min(set.p99, max) } : set;
    // From the exact counts, not the histogram's value (which is the top of a bucket up to 0.1 %
    // wide): the p-th percentile is within target when at most ok − rank values exceed it.
    const meetsSlo =
      endedBy === 'complete' && ok > 0 && this.overTargetOk <= ok - percentileRank(this.slo.percentile, ok) && this.failed <= this.slo.errorTolerance * planned;
    return {
      run: this.id.run,
      platform: this.id.platform,
      step: this.id.step,
      rateRps: this.id.rateRps,
      arrival: this.id.arrival,
      startedAt: this.id.startedAt,
      measuredFrom: this.measuredFrom ?? this.id.startedAt,
      endedBy,
      endReason,
      planned,
      sent: this.sent,
      completed: this.completed,
      failed: this.failed,
      abandoned: this.abandoned,
      warmup: this.warmup,
      heldBack: this.heldBack,
      late: this.late,
      overTarget: this.overTarget,
      // n sends span n − 1 gaps.
      scheduledRps: this.sent > 1 && scheduledSpanS > 0 ? (this.sent - 1) / scheduledSpanS : null,
      achievedRps: this.sent > 1 && spanS > 0 ? (this.sent - 1) / spanS : null,
      goodputRps: ok > 0 && this.lastEnd > this.firstSent ? ok / ((this.lastEnd - this.originMs) / 1000) : null,
      corrected: exactMax(percentileSet(this.corrected), this.maxCorrected),
      naive: exactMax(percentileSet(this.naive), this.maxNaive),
      lag: percentileSet(this.lag),
      model: percentileSet(this.model),
      overhead: percentileSet(this.overhead),
      maxCorrectedMs: this.maxCorrected,
      maxNaiveMs: this.maxNaive,
      instancesMin: this.instancesMin,
      instancesMax: this.instancesMax,
      errorCodes: { ...this.errorCodes },
      seconds,
      slo: { ...this.slo },
      valueAtSlo,
      meetsSlo,
    };
  }
}
