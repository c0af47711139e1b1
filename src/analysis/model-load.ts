/** The load part of the analysis model: per platform × rate results, capacity at the target, and figure data. */
import type { LatencySummary } from '../schema/latency-histogram';
import type { Range } from './model-cost';

/** count, mean, p50, p90, p99 and max of a latency histogram, ms. */
export type LatencyFigures = LatencySummary;

export interface LoadStepResult {
  platform: string;
  step: number;
  rateRps: number;
  /** What the schedule realised (Poisson: a sample around the rate), what the client sent, what came back ok. */
  scheduledRps: number | null;
  achievedRps: number | null;
  goodputRps: number | null;
  /** achieved / scheduled: the generator's accuracy. */
  accuracy: number | null;
  planned: number;
  /** Which bound set `planned`: minimum duration × rate, or minimum count. */
  lengthBy: 'duration' | 'count' | null;
  sent: number;
  failed: number;
  abandoned: number;
  /** failed / (sent − abandoned); null when nothing was sent. */
  errorRate: number | null;
  heldBack: number;
  late: number;
  overTarget: number;
  corrected: LatencyFigures | null;
  naive: LatencyFigures | null;
  lagMs: { p50: number; p99: number; max: number } | null;
  modelMs: LatencyFigures | null;
  overheadMs: LatencyFigures | null;
  instances: { min: number; max: number } | null;
  endedBy: 'complete' | 'early-stop' | 'interrupted';
  endReason: string | null;
  valueAtSlo: number | null;
  meetsSlo: boolean;
}

export interface CapacityEvidence {
  rateRps: number;
  valueAtSlo: number | null;
  n: number;
  overTarget: number;
  failed: number;
  endedBy: LoadStepResult['endedBy'];
  /** Why the step stopped early, when it did. */
  endReason: string | null;
}

export interface CapacityRow {
  platform: string;
  /** Highest rate meeting the target with every lower rate meeting it too; null when the first rate missed. */
  capacityRps: number | null;
  /** The step that sets the capacity, and the next rate that missed (null when none missed: capacity is at least the highest rate tried). */
  passing: CapacityEvidence | null;
  failing: CapacityEvidence | null;
  /** Most instances the endpoint reported while serving at capacity; null when it does not say. */
  instancesAtCapacity: number | null;
  /**
   * Hourly price of the inference instances needed at capacity / inferences per hour at capacity
   * × 1,000; a range when the instance count is not reported (the priced autoscaling range).
   */
  costPer1000AtCapacity: (Range & { currency: string; instances: Range }) | null;
  costNote: string | null;
}

export interface CapacityVerdict {
  /** The platform with the higher capacity, when the evidence separates it from the runner-up; else null. */
  winner: string | null;
  /** The rate both ran where the winner met the target and the runner-up did not; Fisher's exact test on their over-target shares there. */
  decisiveRateRps: number | null;
  pValue: number | null;
  text: string;
}

export interface ColdStartRow {
  platform: string;
  /** Latency of the first request after idleS seconds without traffic. */
  latencyMs: number | null;
  ok: boolean;
  idleS: number;
  /** The median latency at the lowest rate step, for scale. */
  warmP50Ms: number | null;
  instancesWhenAnswered: number | null;
}

export interface OverheadRow {
  platform: string;
  /** Over every measured request of every rate step (merged histograms). */
  model: LatencyFigures | null;
  overhead: LatencyFigures | null;
  /** overhead p50 / (model p50 + overhead p50). */
  overheadShare: number | null;
}

export interface HockeyPoint {
  platform: string;
  rateRps: number;
  p50: number;
  p99: number;
  naiveP99: number;
  meetsSlo: boolean;
}

export interface TimelinePoint {
  platform: string;
  /** Seconds since the load scenario's first measured request. */
  t: number;
  rateRps: number;
  p99Ms: number | null;
  instances: number | null;
  completed: number;
}

export interface DistributionPoint {
  platform: string;
  kind: 'corrected' | 'naive';
  fraction: number;
  latencyMs: number;
}

export interface GeneratorAccuracy {
  /** Some platform ran on the embedded local stack: the client shared the machine's cores with the endpoints. */
  sharedMachine: boolean;
  /**
   * Over the steps where the in-flight bound held nothing back (there the generator alone decides
   * when requests leave): largest |achieved / scheduled − 1| and the worst schedule-lag p99.
   */
  freeSteps: number;
  worstRateError: number | null;
  worstLagP99Ms: number | null;
  /** Steps where arrivals waited for an in-flight slot, and how many did. */
  boundSteps: number;
  heldBack: number;
  sent: number;
  maxInFlight: number;
}

export interface LoadAnalysis {
  mode: 'sweep' | 'search';
  arrival: 'poisson' | 'constant';
  slo: { percentile: number; ms: number; errorTolerance: number };
  rates: number[];
  steps: LoadStepResult[];
  capacity: CapacityRow[];
  verdict: CapacityVerdict;
  cold: ColdStartRow[];
  overhead: OverheadRow[];
  generator: GeneratorAccuracy;
  figures: {
    hockey: HockeyPoint[];
    timeline: TimelinePoint[];
    /** At the highest rate every platform completed with data (else each one's highest): corrected vs naive quantile curves. */
    distribution: DistributionPoint[];
    distributionRate: Record<string, number>;
  };
  methods: string;
}
