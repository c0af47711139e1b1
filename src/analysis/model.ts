/**
 * The analysis of one run, as plain JSON-safe data (no NaN, no Infinity, no undefined values:
 * absent numbers are `null`). `analyzeRun()` builds it; the CLI prints it and the report renders it.
 * Every number here is measured from the run, computed from it, or read from a sourced data file
 * in templates/ — the study's own figures live only in the clearly named `study` block.
 */
import type { RunManifest } from '../experiment/manifest';
import type { BatchMetricKey } from '../schema/metrics';
import type { Phase } from '../schema/phases';
import type { Summary } from './descriptive';
import type { CostModel, Range } from './model-cost';
import type { ClientsModel } from './model-clients';
import type { LoadAnalysis } from './model-load';
import type { CapabilityMatrix, RequirementMatrix } from './model-requirements';
import type { Better, Verdict } from './model-source';

// The model's parts live in their own modules; this one is the single import for all of it.
export type * from './model-clients';
export type * from './model-cost';
export type * from './model-load';
export type * from './model-requirements';
export type * from './model-source';

// ───────────────────────────── exclusions ─────────────────────────────

export interface BatchCounts {
  /** Every batch row in batches.csv. */
  total: number;
  /** Rows used for statistics: not warm-up and status ok. */
  measured: number;
  /** Warm-up rows (whatever their status). */
  warmup: number;
  /** Non-warm-up rows marked failed. */
  failed: number;
}

export interface Exclusions extends BatchCounts {
  perPlatform: Record<string, BatchCounts>;
  /**
   * What reading the run folder left out, in words: the batch in flight when a run stopped, and
   * (only when asked to go on with --exclude-invalid) batches whose files did not add up.
   */
  leftOut: string[];
}

// ───────────────────────────── per-metric comparison ─────────────────────────────

export interface PlatformMetricSummary {
  platform: string;
  /** Measured batches with a value for this metric. */
  n: number;
  /** Measured batches without a value (phase not run): counted, not silently dropped. */
  missing: number;
  /** null when n = 0. `summary.sd` is null when n = 1. */
  summary: Summary | null;
}

export interface OmnibusTest {
  test: 'kruskal-wallis';
  H: number;
  df: number;
  pValue: number;
  /** Holm-adjusted across the metrics' omnibus tests (the family). */
  pHolm: number;
}

export interface MedianDiffCI {
  /** median(a) − median(b). */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  iterations: number;
  seed: number;
}

export interface PairwiseComparison {
  a: string;
  b: string;
  U: number;
  /** Two-sided Mann–Whitney p. */
  pValue: number;
  /** Holm-adjusted across the metric's pairs (equal to pValue with two platforms). */
  pHolm: number;
  method: 'exact' | 'asymptotic';
  /** Cliff's δ of a vs b, in [−1, 1]; > 0: a tends to be larger. */
  cliffsDelta: number;
  /** Vargha–Delaney A of a vs b, in [0, 1]; 0.5 = no effect. */
  varghaDelaneyA: number;
  /** Seeded percentile-bootstrap CI of median(a) − median(b). */
  medianDiff: MedianDiffCI;
}

export interface MetricComparison {
  metric: BatchMetricKey;
  label: string;
  unit: string;
  better: Better;
  perPlatform: PlatformMetricSummary[];
  /** null when the data are insufficient for the test. */
  omnibus: OmnibusTest | null;
  pairwise: PairwiseComparison[];
  verdict: Verdict;
  /** Who leads by median, whatever the test says (the verdict says whether it is significant). */
  ranking: MetricRanking;
}

export interface MetricRanking {
  /** The platform with the best median, and the runner-up; null without data. */
  best: string | null;
  next: string | null;
  bestMedian: number | null;
  nextMedian: number | null;
  /** |next − best| / |next| × 100: how much better the leader's median is; null when undefined. */
  relativeDiffPct: number | null;
}

// ───────────────────────────── figure data ─────────────────────────────

/** One platform × batch value of one metric (batches numbered from 1, as in the study). */
export interface BatchPoint {
  platform: string;
  batch: number;
  value: number;
  /** Counted in the statistics (not warm-up, not failed). Excluded points are drawn grey. */
  measured: boolean;
}

/** One point of a platform's latency distribution: the fraction of requests at or below latencyMs. */
export interface LatencyPoint {
  platform: string;
  latencyMs: number;
  fraction: number;
}

export interface BatchViews {
  /** Per metric, every batch's value, ordered by platform then batch. */
  series: Record<BatchMetricKey, BatchPoint[]>;
  /** Totals over the measured batches. */
  measured: { batches: number; images: number; bytes: number; meanMiB: number | null };
}

export interface LatencyView {
  phase: Phase;
  /** Quantile curve per platform (101 points: 0, 1 %, …, 100 %) of successful requests of measured batches. */
  curve: LatencyPoint[];
  /** Platforms by median latency, lowest first (platforms without requests last). */
  byP50: string[];
  /** The platform with the uniquely lowest p50 / p99; null on a tie or with fewer than two. */
  bestP50: string | null;
  bestP99: string | null;
}

// ───────────────────────────── beyond the study ─────────────────────────────

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

export interface LatencyRow {
  platform: string;
  phase: Phase;
  /** Successful requests of measured batches. */
  n: number;
  /** durationMs percentiles (type 7); null when n = 0. */
  durationMs: (Percentiles & { mean: number; max: number }) | null;
  /** Time to first byte, downloads only; null otherwise or when not recorded. */
  ttfbMs: Percentiles | null;
}

export interface FailureRow {
  platform: string;
  phase: Phase;
  /** Requests of non-warm-up batches (failed batches included: that is where failures are). */
  requests: number;
  failed: number;
  /** failed / requests; null when there are no requests. */
  failureRate: number | null;
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Total attempts (each one is billed by the storage services). */
  attempts: number;
  errorCodes: Record<string, number>;
}

// ───────────────────────────── the study's published values ─────────────────────────────

export interface StudyMetricValue {
  mean: number;
  sd: number | null;
  median: number;
}

export interface StudyReference {
  file: string;
  citation: { title: string; journal: string; year: number; doi: string | null; url: string | null; seed: string };
  /** The study's unit: it writes MB; its per-MB figures are reproduced as printed. */
  unitNote: string;
  /** metric → platform → values as printed in Tables 2–5. */
  metrics: Partial<Record<BatchMetricKey, { table: string; unit: string; values: Record<string, StudyMetricValue> }>>;
  /** Table 8: criterion → platform the study judged better. */
  bestPerMetric: Record<string, string>;
  /** Table 9: requirement id → platform. */
  bestPerRequirement: Record<string, string>;
  /** Tables 6–7 totals, per platform, as printed. */
  costs: Record<string, { hourly: Range; daily: Range; currency: string; table: string }>;
}

// ───────────────────────────── the whole model ─────────────────────────────

export interface Methods {
  percentiles: string;
  omnibus: string;
  pairwise: string;
  effectSizes: string;
  bootstrap: string;
  correction: string;
  verdictRule: string;
  exclusions: string;
  latency: string;
  cost: string;
  requirements: string;
}

export interface AnalysisModel {
  /** 2: the model carries everything a report needs (manifest, figure data, rankings). */
  schema: 2;
  runId: string;
  runName: string;
  generatedAt: string;
  /** The run's manifest (secrets redacted): what ran, where, with which versions. */
  manifest: RunManifest;
  /** Platforms in the order of the run's config. */
  platforms: string[];
  alpha: number;
  bootstrap: { iterations: number; seed: number; level: number };
  exclusions: Exclusions;
  metrics: MetricComparison[];
  /** Per-batch figure data and the measured batches' totals. */
  batches: BatchViews;
  latency: LatencyRow[];
  /** Per phase: latency curves and who is fastest. */
  latencyViews: LatencyView[];
  failures: FailureRow[];
  costs: CostModel;
  capabilities: CapabilityMatrix;
  requirements: RequirementMatrix;
  methods: Methods;
  /** The study's published values, for an optional comparison column; null if the file is absent. */
  study: StudyReference | null;
  /** The open-loop load scenario; null when the run had none (absent in models written before it existed). */
  load?: LoadAnalysis | null;
  /** A merged run's clients and their own figures; null for a single-client run (absent in models written before merges existed). */
  clients?: ClientsModel | null;
}
