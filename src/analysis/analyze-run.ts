/**
 * analyzeRun: everything the report and the terminal say about a run, computed from its rows and
 * from the editable data files in templates/ (pricing, platform facts, requirements, the study's values).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFileAtomically } from '../durable-files';
import type { ReadRunOptions } from '../experiment/run-store';
import { readRunSummary, type RequestStoreKind, type RunSummaryData } from '../experiment/run-reader';
import { RequestSummaryBuilder } from '../experiment/request-store/summary-builder';
import { UserError } from '../errors';
import { ANALYSIS_FILE, checkAlpha, DEFAULT_ALPHA, DEFAULT_BOOTSTRAP, MIN_BATCHES } from './defaults';
import type { LoadedRun } from '../experiment/load-run';
import type { RunManifest } from '../experiment/manifest';
import type { BatchRow } from '../schema/records';
import type { LatencyDigest, StepCell } from '../schema/request-summary';
import { measuredBatches } from '../schema/records';
import { clientsModel, type ClientStepRow } from './model-clients';
import type { LoadStepRow } from '../schema/load-records';
import { analyzeLoad } from './load-analysis';
import { countExclusions } from './batch-exclusions';
import { buildCostModel, INFERENCES_PER_QUOTE, SECONDS_PER_HOUR } from './cost-model';
import { EXACT_MAX_SMALLER_SAMPLE } from './mann-whitney';
import { compareMetrics } from './metric-comparison';
import type { AnalysisModel, Methods } from './model';
import { capabilityMatrix, loadPlatformFacts } from './platform-facts';
import { loadPricing } from './pricing';
import { batchViews, latencyViews } from './figure-data';
import { failureTable, LATENCY_PROBABILITIES, latencyTable } from './request-stats';
import { loadRequirements, SCORING_RULE, scoreRequirements } from './requirements';
import { loadStudyReference } from './study-reference';
import { defaultTemplatesDir } from './template-files';

/** A run as rows (loadRun, a notebook's own rows), or as the summary a run folder's store computes (readRunSummary). */
export type AnalyzeInput = (
  | LoadedRun
  | (Pick<LoadedRun, 'manifest' | 'batchRows' | 'requestRows'> & { notes?: string[] })
  | (Pick<RunSummaryData, 'manifest' | 'batchRows' | 'cells' | 'latency'> & { notes?: string[] })
) & { loadSteps?: readonly LoadStepRow[]; shardLoadSteps?: readonly ClientStepRow[] };

/** The per-step counts and latency quantiles of a run given as rows, as a run folder's store would give them. */
function summaryOf(run: AnalyzeInput): { cells: readonly StepCell[]; latency: readonly LatencyDigest[] } {
  if ('cells' in run) {
    // The tables read p50…p99 by position in LATENCY_PROBABILITIES: a summary computed at other
    // probabilities would give wrong percentiles without a word.
    const wrong = run.latency.find((d) => d.n > 0 && d.quantilesMs.length !== LATENCY_PROBABILITIES.length);
    if (wrong) throw new Error(`${wrong.platform} ${wrong.phase}: latency summary has ${wrong.quantilesMs.length} quantiles, the analysis needs LATENCY_PROBABILITIES (${LATENCY_PROBABILITIES.length})`);
    return run;
  }
  const builder = new RequestSummaryBuilder();
  for (const r of run.requestRows) builder.add(r);
  const measured = measuredBatches(run.batchRows).map((b) => ({ platform: b.platform, batch: b.batch }));
  return { cells: builder.cells(), latency: builder.latency(measured, LATENCY_PROBABILITIES) };
}

export interface AnalyzeOptions {
  /** Significance level of every verdict (default 0.05). */
  alpha?: number;
  /** Folder with pricing.yaml, platforms.yaml, requirements.yaml and (optional) study-reference.yaml. */
  templatesDir?: string;
  bootstrap?: { iterations?: number; seed?: number; level?: number };
  /** Clock of `generatedAt` (tests pin it). */
  now?: Date;
}

export { ANALYSIS_FILE, DEFAULT_ALPHA, DEFAULT_BOOTSTRAP } from './defaults';

/** Platforms in the config's order; any platform found only in the rows is appended. */
function platformsOf(manifest: RunManifest, batches: readonly BatchRow[], cells: readonly StepCell[]): string[] {
  const names = Object.keys(manifest.config?.platforms ?? {});
  for (const r of [...batches, ...cells]) if (!names.includes(r.platform)) names.push(r.platform);
  return names;
}

/** 3600 → "3,600", as the methods text writes numbers. */
const grouped = (n: number) => n.toLocaleString('en-US');

function methodsText(alpha: number, bootstrap: { iterations: number; seed: number; level: number }): Methods {
  return {
    percentiles: 'Percentiles and medians use Hyndman & Fan type 7 (linear interpolation between order statistics; R and numpy default). Standard deviations are sample standard deviations (n − 1).',
    omnibus: 'Per metric, a Kruskal–Wallis H test across platforms with tie correction (as the study), p from the χ² distribution with k − 1 degrees of freedom.',
    pairwise: `Per pair of platforms, a two-sided Mann–Whitney U test: exact when one sample has at most ${EXACT_MAX_SMALLER_SAMPLE} values and there are no ties, otherwise the normal approximation with tie and continuity correction (scipy.stats.mannwhitneyu).`,
    effectSizes: "Cliff's δ = P(a > b) − P(a < b) and Vargha–Delaney A = P(a > b) + ½ P(a = b) over all pairs of batches.",
    bootstrap: `Percentile bootstrap of the difference of medians, ${bootstrap.iterations} resamples, seed ${bootstrap.seed}, ${(bootstrap.level * 100).toFixed(0)}% interval.`,
    correction: 'Holm step-down adjustment: across the metrics for the Kruskal–Wallis tests (the family is the per-metric omnibus tests), and across the pairs within a metric for the Mann–Whitney tests.',
    verdictRule: `A platform wins a metric only if the Holm-adjusted Kruskal–Wallis p is below α = ${alpha} (lower is better for times, higher for throughput); with more than two platforms the best platform by median must also differ from the runner-up (Holm-adjusted Mann–Whitney p < α). Otherwise the verdict is "no significant difference" and lists the platforms that cannot be told apart. Fewer than ${MIN_BATCHES} measured batches for a platform, or identical values everywhere, give "insufficient data".`,
    exclusions: 'Warm-up batches and batches marked failed (more failed requests than the run\'s tolerance) are left out of every statistic and counted.',
    latency: 'Request latency percentiles use the successful requests of the measured batches; time to first byte is reported for downloads. Failures and retries count every request of the non-warm-up batches, failed batches included.',
    cost:
      `Hourly cost is the sum of the hour-priced resources (autoscaled resources × their minimum and maximum instance counts); daily cost is hourly × hours per day. ` +
      `Cost per ${grouped(INFERENCES_PER_QUOTE)} inferences is the hourly price of the inference resources divided by the measured inference rate (images / inference second over the measured batches) × ${grouped(SECONDS_PER_HOUR)} × 1/${grouped(INFERENCES_PER_QUOTE)}. ` +
      "The run's own cost counts every upload and download attempt as a billed write or read request and prices the downloaded bytes as internet egress. Prices are list prices from pricing.yaml, each with its source and date.",
    requirements: SCORING_RULE,
  };
}

/** Path of the first NaN/Infinity/undefined in a value, or null: the model must be plain JSON. */
export function findNonJsonNumber(value: unknown, at = 'model'): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : at;
  if (value === undefined) return at;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJsonNumber(value[i], `${at}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = findNonJsonNumber(v, `${at}.${k}`);
      if (bad) return bad;
    }
  }
  return null;
}

export function analyzeRun(run: AnalyzeInput, opts: AnalyzeOptions = {}): AnalysisModel {
  const alpha = checkAlpha(opts.alpha ?? DEFAULT_ALPHA);
  const bootstrap = { ...DEFAULT_BOOTSTRAP, ...opts.bootstrap };
  const templatesDir = opts.templatesDir ?? defaultTemplatesDir();
  const { manifest, batchRows } = run;
  const { cells, latency: digests } = summaryOf(run);

  // Read every data file first: a typo in one should fail before any work is done.
  const pricing = loadPricing(templatesDir);
  const facts = loadPlatformFacts(templatesDir);
  const requirementsSpec = loadRequirements(templatesDir, facts.criteria.map((c) => c.id));
  const study = loadStudyReference(templatesDir);

  const platforms = platformsOf(manifest, batchRows, cells);
  const measured = measuredBatches(batchRows);
  const metrics = compareMetrics(measured, platforms, { alpha, bootstrap });
  const costs = buildCostModel(pricing, {
    platforms,
    measured,
    cells,
    local: Object.fromEntries(platforms.map((p) => [p, manifest.platforms?.[p]?.local ?? false])),
  });
  const capabilities = capabilityMatrix(facts, platforms, { includeInferred: requirementsSpec.inferredFacts === 'include' });
  const loadConfig = manifest.config?.load;
  const load = loadConfig && run.loadSteps?.length ? analyzeLoad({ steps: run.loadSteps, platforms, config: loadConfig, costs, alpha, local: platforms.filter((p) => manifest.platforms?.[p]?.local) }) : null;
  const requirements = scoreRequirements(requirementsSpec, {
    platforms,
    metrics,
    capabilities,
    costs,
    alpha,
    studyBest: study?.bestPerRequirement ?? {},
    load: load ?? null,
  });

  const latency = latencyTable(digests, cells, platforms);
  const model: AnalysisModel = {
    schema: 2,
    runId: manifest.runId,
    runName: manifest.name,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    manifest,
    platforms,
    alpha,
    bootstrap,
    exclusions: countExclusions(batchRows, platforms, run.notes ?? []),
    metrics,
    batches: batchViews(batchRows),
    latency,
    latencyViews: latencyViews(digests, platforms, latency),
    failures: failureTable(cells, batchRows, platforms),
    costs,
    capabilities,
    requirements,
    methods: methodsText(alpha, bootstrap),
    study,
    load: load ?? null,
    clients: clientsModel(manifest, batchRows, run.loadSteps ?? [], run.shardLoadSteps ?? [], platforms, alpha),
  };
  const bad = findNonJsonNumber(model);
  if (bad) throw new Error(`analysis produced a non-finite number at ${bad} (a bug: please report it)`);
  return model;
}

export interface AnalyzedRun {
  model: AnalysisModel;
  /** What reading the folder left out, in words (see readRun). */
  notes: string[];
  /** Which of the folder's request stores was read. */
  store: RequestStoreKind;
  timings: { load: number; analyze: number };
}

/** Reads a run folder (checked, see readRunSummary: the columnar store when sealed, else requests.jsonl) and analyses it. */
export async function analyzeRunFolder(runDir: string, opts: AnalyzeOptions & ReadRunOptions = {}): Promise<AnalyzedRun> {
  let t = performance.now();
  const run = await readRunSummary(runDir, LATENCY_PROBABILITIES, { invalid: opts.invalid });
  const load = performance.now() - t;
  t = performance.now();
  const model = analyzeRun(run, opts);
  return { model, notes: run.notes, store: run.store, timings: { load, analyze: performance.now() - t } };
}

/** A model saved by `cloudbench analyze` (or next to a report), checked to be one this version reads. */
export function readAnalysisJson(file: string): AnalysisModel {
  let model: Partial<AnalysisModel>;
  try {
    model = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<AnalysisModel>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code ? `cannot read ${file} (${code})` : `${file} is not valid JSON`);
  }
  if (model.schema !== 2 || !model.manifest || !model.batches) {
    throw new UserError(
      `${file} is not an analysis this version can report from (schema ${String(model.schema ?? 'unknown')}, expected 2): run \`cloudbench analyze\` on its run folder again`,
    );
  }
  return model as AnalysisModel;
}

/** Writes analysis.json into the run folder (atomically, every byte checked). */
export function writeAnalysisJson(runDir: string, model: AnalysisModel): string {
  const file = path.join(runDir, ANALYSIS_FILE);
  writeFileAtomically(file, `${JSON.stringify(model, null, 2)}\n`);
  return file;
}

export interface RunAnalysis {
  model: AnalysisModel;
  /** Where the model came from: an analysis.json (up to date with its run), or the run's rows. */
  from: 'analysis.json' | 'rows';
  notes: string[];
}

/** The newest modification time of a run folder's data files (0 when none exist). */
function newestDataMtime(dir: string): number {
  let newest = 0;
  for (const name of fs.readdirSync(dir)) {
    if (name === ANALYSIS_FILE || !/\.(json|jsonl|csv|parquet)$/.test(name)) continue;
    newest = Math.max(newest, fs.statSync(path.join(dir, name)).mtimeMs);
  }
  return newest;
}

/**
 * A run's analysis for comparisons: an analysis.json given directly, or a run folder's own
 * analysis.json when no data file of the folder is newer than it, or else the folder analysed
 * afresh (nothing is written).
 */
export async function analysisOf(source: string, opts: AnalyzeOptions & ReadRunOptions = {}): Promise<RunAnalysis> {
  if (!fs.existsSync(source)) throw new UserError(`${source} does not exist (give a run folder or an ${ANALYSIS_FILE})`);
  if (fs.statSync(source).isFile()) return { model: readAnalysisJson(source), from: 'analysis.json', notes: [] };
  const saved = path.join(source, ANALYSIS_FILE);
  if (fs.existsSync(saved) && fs.statSync(saved).mtimeMs >= newestDataMtime(source)) {
    try {
      return { model: readAnalysisJson(saved), from: 'analysis.json', notes: [] };
    } catch {
      // an older schema: analyse the rows instead
    }
  }
  const { model, notes } = await analyzeRunFolder(source, opts);
  return { model, from: 'rows', notes };
}
