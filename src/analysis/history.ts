/**
 * Every run of one configuration, oldest first: per platform and metric the median of each run with
 * a bootstrap interval, and whether it changed significantly from the run before (the same test,
 * Holm correction and `~` convention as compareRuns, applied to consecutive pairs). Runs are grouped
 * by config hash and dataset: a changed config or dataset starts a new history.
 */
import { UserError } from '../errors';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { bootstrapMedianCI, type BootstrapOptions } from './bootstrap';
import { MIN_BATCHES, describeRun, judgeChanges, measureChange, measuredValues, type Change, type ComparedRun } from './compare';
import { checkAlpha, DEFAULT_ALPHA, DEFAULT_CHANGE_BOOTSTRAP } from './defaults';
import type { AnalysisModel } from './model';

export interface HistoryPoint {
  runId: string;
  startedAt: string;
  n: number;
  median: number;
  /** Bootstrap interval of this run's median; null with fewer than 2 batches. */
  lower: number | null;
  upper: number | null;
  /** Against the previous run of the series that measured this platform and metric; null for the first. */
  change: Change | null;
}

export interface HistorySeries {
  platform: string;
  metric: BatchMetricKey;
  unit: string;
  better: 'lower' | 'higher';
  points: HistoryPoint[];
}

export interface HistoryGroup {
  configHash: string;
  datasetSha256: string;
  /** The name of the newest run of the group. */
  name: string;
  runs: ComparedRun[];
  series: HistorySeries[];
}

export interface RunHistory {
  alpha: number;
  bootstrap: Required<BootstrapOptions>;
  /** Newest group first (by its newest run). */
  groups: HistoryGroup[];
}

export interface HistoryOptions {
  alpha?: number;
  bootstrap?: BootstrapOptions;
}

function groupKey(m: AnalysisModel): string {
  return `${m.manifest.configHash}/${m.manifest.dataset.sha256}`;
}

function seriesOf(models: readonly AnalysisModel[], platform: string, metric: (typeof BATCH_METRICS)[number], bootstrap: Required<BootstrapOptions>): HistorySeries {
  const points: HistoryPoint[] = [];
  let previous: number[] | null = null;
  for (const model of models) {
    const values = measuredValues(model, platform, metric.key);
    if (values.length === 0) continue;
    const ci = values.length >= MIN_BATCHES ? bootstrapMedianCI(values, bootstrap) : null;
    points.push({
      runId: model.manifest.runId,
      startedAt: model.manifest.startedAt,
      n: values.length,
      median: ci?.estimate ?? values[0],
      lower: ci?.lower ?? null,
      upper: ci?.upper ?? null,
      change: previous ? measureChange(previous, values, bootstrap) : null,
    });
    previous = values;
  }
  return { platform, metric: metric.key, unit: metric.unit, better: metric.better, points };
}

export function runHistory(models: readonly AnalysisModel[], opts: HistoryOptions = {}): RunHistory {
  if (models.length === 0) throw new UserError('history needs at least one analysed run');
  const alpha = checkAlpha(opts.alpha ?? DEFAULT_ALPHA);
  const bootstrap = { ...DEFAULT_CHANGE_BOOTSTRAP, ...opts.bootstrap };
  const byKey = new Map<string, AnalysisModel[]>();
  for (const m of models) byKey.set(groupKey(m), [...(byKey.get(groupKey(m)) ?? []), m]);

  const groups: HistoryGroup[] = [];
  for (const members of byKey.values()) {
    const ordered = [...members].sort((a, b) => Date.parse(a.manifest.startedAt) - Date.parse(b.manifest.startedAt));
    const platforms = [...new Set(ordered.flatMap((m) => m.platforms))];
    const series: HistorySeries[] = [];
    for (const platform of platforms) {
      for (const metric of BATCH_METRICS) {
        const s = seriesOf(ordered, platform, metric, bootstrap);
        if (s.points.length > 0) series.push(s);
      }
    }
    judgeChanges(series.flatMap((s) => s.points.flatMap((p) => (p.change ? [{ change: p.change, better: s.better }] : []))), alpha);
    const newest = ordered[ordered.length - 1].manifest;
    groups.push({ configHash: newest.configHash, datasetSha256: newest.dataset.sha256, name: newest.name, runs: ordered.map(describeRun), series });
  }
  groups.sort((a, b) => Date.parse(b.runs[b.runs.length - 1].startedAt) - Date.parse(a.runs[a.runs.length - 1].startedAt));
  return { alpha, bootstrap, groups };
}
