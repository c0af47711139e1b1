/**
 * Run versus run — "did anything change since last week, and is it real?" — with benchstat's
 * conventions: per platform and metric the old and new median with a bootstrap confidence interval
 * of the difference, the relative change, a Mann–Whitney p-value with Holm across the whole table,
 * and `~` (no change) when it is not significant. Everything comes from the runs' analysis models
 * (their per-batch values), so analysis.json files are enough.
 */
import { canonicalJson } from '../config/experiment';
import { UserError } from '../errors';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { bootstrapMedianDiffCI, type BootstrapOptions } from './bootstrap';
import { checkAlpha, DEFAULT_ALPHA, DEFAULT_CHANGE_BOOTSTRAP, MIN_BATCHES } from './defaults';
import { median } from './descriptive';
import { holm } from './holm';
import { mannWhitneyU } from './mann-whitney';
import type { AnalysisModel } from './model';

export interface CompareRunsOptions {
  alpha?: number;
  /** Compare runs of different datasets (refused by default: the numbers are not comparable). */
  allowDifferentDatasets?: boolean;
  bootstrap?: BootstrapOptions;
}

/** One run of a comparison, as the tables name it. */
export interface ComparedRun {
  runId: string;
  name: string;
  startedAt: string;
  datasetSha256: string;
  configHash: string;
}

export interface ChangeRow extends Change {
  platform: string;
  metric: BatchMetricKey;
  unit: string;
  better: 'lower' | 'higher';
  /** Index in `runs` of the newer run (the baseline is runs[0]). */
  against: number;
}

export interface ConfigDifference {
  field: string;
  values: string[];
}

export interface RunComparison {
  alpha: number;
  bootstrap: Required<BootstrapOptions>;
  runs: ComparedRun[];
  /** Top-level config fields that differ between the runs (secrets are redacted in every run's manifest). */
  configDifferences: ConfigDifference[];
  sameDataset: boolean;
  /** Platforms measured by some runs but not all (they have no rows). */
  platformsOnlyIn: { runId: string; platforms: string[] }[];
  rows: ChangeRow[];
}

export { MIN_BATCHES } from './defaults';

/** The measured per-batch values of one platform and metric, from the model's figure data. */
export function measuredValues(model: AnalysisModel, platform: string, metric: BatchMetricKey): number[] {
  return model.batches.series[metric].filter((p) => p.measured && p.platform === platform).map((p) => p.value);
}

export function describeRun(model: AnalysisModel): ComparedRun {
  const m = model.manifest;
  return { runId: m.runId, name: m.name, startedAt: m.startedAt, datasetSha256: m.dataset.sha256, configHash: m.configHash };
}

/** Top-level fields of the runs' (redacted) configs that are not the same in all of them. */
function configDifferences(models: readonly AnalysisModel[]): ConfigDifference[] {
  const configs = models.map((m) => m.manifest.config as unknown as Record<string, unknown>);
  const fields = [...new Set(configs.flatMap((c) => Object.keys(c)))].filter((f) => f !== 'outDir').sort();
  const out: ConfigDifference[] = [];
  for (const field of fields) {
    const values = configs.map((c) => canonicalJson(c[field] ?? null));
    if (new Set(values).size > 1) out.push({ field, values });
  }
  return out;
}

/** The part of a change row that two samples decide (before Holm). */
export interface Change {
  old: { n: number; median: number } | null;
  new: { n: number; median: number } | null;
  /** new − old medians, and its bootstrap interval; null when either side has < 2 batches. */
  difference: { estimate: number; lower: number; upper: number } | null;
  /** (new − old) / |old| × 100; null when undefined. */
  changePct: number | null;
  /** Mann–Whitney U, two-sided. */
  pValue: number | null;
  /** Holm-adjusted across every tested change of the table. */
  pHolm: number | null;
  /** Significant and in the better / the worse direction; `~` when not significant. */
  verdict: ChangeVerdict;
}

export type ChangeVerdict = 'better' | 'worse' | '~' | 'insufficient data';

/** Old vs new per-batch values: medians, bootstrap CI of new − old, relative change, U-test p. */
export function measureChange(a: readonly number[], b: readonly number[], bootstrap: Required<BootstrapOptions>): Change {
  const change: Change = {
    old: a.length ? { n: a.length, median: median(a) } : null,
    new: b.length ? { n: b.length, median: median(b) } : null,
    difference: null, changePct: null, pValue: null, pHolm: null, verdict: 'insufficient data',
  };
  if (change.old && change.new && change.old.median !== 0) {
    change.changePct = ((change.new.median - change.old.median) / Math.abs(change.old.median)) * 100;
  }
  // A sample that never varies across both runs has nothing to test (and no interval to draw).
  if (a.length >= MIN_BATCHES && b.length >= MIN_BATCHES && new Set([...a, ...b]).size > 1) {
    // The interval is of new − old, so its sign reads as the change.
    const ci = bootstrapMedianDiffCI(b, a, bootstrap);
    change.difference = { estimate: ci.estimate, lower: ci.lower, upper: ci.upper };
    change.pValue = mannWhitneyU(a, b).pValue;
  }
  return change;
}

/**
 * Holm across every tested change, then the verdict: `~` unless significant; significant with
 * equal medians is still `~` (the distributions differ, the typical value does not).
 */
export function judgeChanges(entries: readonly { change: Change; better: 'lower' | 'higher' }[], alpha: number): void {
  const tested = entries.filter((e) => e.change.pValue !== null);
  const adjusted = holm(tested.map((e) => e.change.pValue!));
  tested.forEach(({ change: c, better }, i) => {
    c.pHolm = adjusted[i];
    const delta = c.new!.median - c.old!.median;
    if (c.pHolm >= alpha || delta === 0) c.verdict = '~';
    else c.verdict = (better === 'lower') === delta < 0 ? 'better' : 'worse';
  });
}

export function compareRuns(models: readonly AnalysisModel[], opts: CompareRunsOptions = {}): RunComparison {
  if (models.length < 2) throw new UserError('compare needs at least two runs (the first is the baseline)');
  const alpha = checkAlpha(opts.alpha ?? DEFAULT_ALPHA);
  const bootstrap = { ...DEFAULT_CHANGE_BOOTSTRAP, ...opts.bootstrap };
  const runs = models.map(describeRun);
  const sameDataset = runs.every((r) => r.datasetSha256 === runs[0].datasetSha256);
  if (!sameDataset && !opts.allowDifferentDatasets) {
    const other = runs.find((r) => r.datasetSha256 !== runs[0].datasetSha256)!;
    throw new UserError(
      `runs ${runs[0].runId} and ${other.runId} measured different datasets (sha256 ${runs[0].datasetSha256.slice(0, 12)}… vs ${other.datasetSha256.slice(0, 12)}…): ` +
        'their numbers are not comparable; add --allow-different-datasets to compare them anyway',
    );
  }
  const base = models[0];
  const rows: ChangeRow[] = [];
  models.slice(1).forEach((next, k) => {
    // Metric-major, as benchstat groups its tables: the platforms of one metric read together.
    for (const { key, unit, better } of BATCH_METRICS) {
      for (const platform of base.platforms.filter((p) => next.platforms.includes(p))) {
        const change = measureChange(measuredValues(base, platform, key), measuredValues(next, platform, key), bootstrap);
        if (!change.old && !change.new) continue; // a phase neither run measured
        rows.push({ platform, metric: key, unit, better, against: k + 1, ...change });
      }
    }
  });
  judgeChanges(rows.map((r) => ({ change: r, better: r.better })), alpha);
  const platformsOnlyIn = runs.map((r, i) => ({
    runId: r.runId,
    platforms: models[i].platforms.filter((p) => !models.every((m) => m.platforms.includes(p))),
  })).filter((x) => x.platforms.length > 0);
  return { alpha, bootstrap, runs, configDifferences: configDifferences(models), sameDataset, platformsOnlyIn, rows };
}
