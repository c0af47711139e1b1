/**
 * The load scenario's records: one row per request (load-requests.jsonl, sealed to Parquet) and
 * one per platform × rate step (load-steps.jsonl), the step row written last so it seals the
 * step's request rows. Times in milliseconds; monotonic times count from the run session's start.
 */
import type { LatencySummary } from './latency-histogram';

/** warmup: the first seconds of a step, left out of its statistics; cold: the cold-start probe. */
export type LoadPhase = 'warmup' | 'measured' | 'cold';

export interface LoadRequestRow {
  run: string;
  platform: string;
  /** The step's number: the n-th rate of the sweep or search, from 0 (the cold probe: -1). */
  step: number;
  /** Offered rate of the step, requests per second (the cold probe: 0). */
  rateRps: number;
  phase: LoadPhase;
  /** Position in the step's schedule, from 0. */
  seq: number;
  /** The image's name in the dataset. */
  key: string;
  bytes: number;
  /** When the schedule meant the request to start (monotonic ms). */
  intendedMs: number;
  /** When it was actually sent (monotonic ms): later than intended when the client fell behind or the in-flight bound held it. */
  sentMs: number;
  /** Wall-clock send time, epoch ms. */
  startedAt: number;
  /** From the send to the whole response: the naive latency a closed-loop client reports. */
  latencyMs: number;
  /** From the intended start to the whole response: what a user arriving on schedule waited (coordinated-omission corrected). */
  correctedMs: number;
  attempts: number;
  ok: boolean;
  errorCode: string | null;
  /** Model time the endpoint reported (its `inferenceMs`); null when it did not say or the call failed. */
  modelMs: number | null;
  /** Instances serving when the endpoint answered, if it says (the local stack does). */
  instances: number | null;
  detections: number | null;
}

/** Why a step ended. */
export type StepEnd = 'complete' | 'early-stop' | 'interrupted';

export interface PercentileSet extends LatencySummary {
  /** HdrHistogram compressed base64 of the values in microseconds (mergeable across steps and shards). */
  histogram: string;
}

/** One second of a step: requests completed in it, their corrected p99 and the most instances seen. */
export interface StepSecond {
  /** Seconds since the step's first intended start. */
  t: number;
  completed: number;
  failed: number;
  p99Ms: number | null;
  instances: number | null;
}

export interface LoadStepRow {
  run: string;
  platform: string;
  step: number;
  rateRps: number;
  arrival: 'poisson' | 'constant';
  startedAt: string;
  /** Wall clock of the first measured request's intended start (after the warm-up): where `seconds` count from. */
  measuredFrom: string;
  endedBy: StepEnd;
  /** Why an early stop was certain (or why the step was interrupted); null when complete. */
  endReason: string | null;
  /** Requests the schedule planned for the measured part, and how many were sent / completed / failed. */
  planned: number;
  /** Which bound set `planned`: the minimum duration × rate, or the minimum request count (null in rows written before it was recorded). */
  lengthBy?: 'duration' | 'count' | null;
  sent: number;
  completed: number;
  failed: number;
  /** Requests in flight when an early stop cut them off within the target (outcome unknown; not the endpoint's failures). */
  abandoned: number;
  warmup: number;
  /** Measured requests that waited for a free in-flight slot (sent late because of the client's bound). */
  heldBack: number;
  /** Measured requests sent ≥ 1 ms after their intended time, whatever the reason. */
  late: number;
  /** Measured requests over the target: successful ones whose corrected latency exceeded it, and ones an early stop cut off after they had waited longer. */
  overTarget: number;
  /**
   * The rate the schedule itself realised over the measured requests sent: the target for a
   * constant schedule, a random sample around it for Poisson arrivals.
   */
  scheduledRps: number | null;
  /** Measured sends per second over the sends' span: the generator's achieved rate (compare with scheduledRps for its accuracy). */
  achievedRps: number | null;
  /** Successful measured responses per second, from the first intended start to the last response. */
  goodputRps: number | null;
  /** Successful measured requests only; null when there were none. */
  corrected: PercentileSet | null;
  naive: PercentileSet | null;
  /** Schedule lag (sent − intended) of every measured request sent. */
  lag: PercentileSet | null;
  /** Endpoint-reported model time, and latency − model time (the overhead: network, queueing, protocol). */
  model: PercentileSet | null;
  overhead: PercentileSet | null;
  /** Exact maxima (the histograms' are within 0.1 %). */
  maxCorrectedMs: number | null;
  maxNaiveMs: number | null;
  instancesMin: number | null;
  instancesMax: number | null;
  errorCodes: Record<string, number>;
  seconds: StepSecond[];
  /** The latency target, and whether this step met it (percentile within target, errors within tolerance, not stopped early). */
  slo: { percentile: number; ms: number; errorTolerance: number };
  valueAtSlo: number | null;
  meetsSlo: boolean;
  /** A merged step: how many clients measured it, and how far apart their parts began (ms; the shards' timetable keeps it small). */
  clients?: { count: number; startSpreadMs: number };
}
