/**
 * Per-metric comparison of platforms over the measured batches (the study's Tables 2–5 and 8,
 * with the tests it names plus the ones it leaves out): descriptive summaries, Kruskal–Wallis
 * (Holm-adjusted across metrics), pairwise Mann–Whitney with effect sizes and a bootstrap CI of
 * the median difference, and a verdict that names a winner only when the evidence is significant.
 */
import { type BatchRow } from '../schema/records';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { bootstrapMedianDiffCI } from './bootstrap';
import { MIN_BATCHES } from './defaults';
import { summarize } from './descriptive';
import { cliffsDelta, varghaDelaneyA } from './effect-size';
import { holm } from './holm';
import { kruskalWallis } from './kruskal-wallis';
import { mannWhitneyU } from './mann-whitney';
import type { Better, MetricComparison, MetricRanking, OmnibusTest, PairwiseComparison, PlatformMetricSummary, Verdict } from './model';

export interface CompareOptions {
  alpha: number;
  bootstrap: { iterations: number; seed: number; level: number };
}

interface Draft {
  metric: (typeof BATCH_METRICS)[number];
  perPlatform: PlatformMetricSummary[];
  groups: number[][];
  insufficient: string | null;
  kw: { H: number; df: number; pValue: number } | null;
  pairwise: Omit<PairwiseComparison, 'pHolm'>[];
}

function values(rows: BatchRow[], key: BatchMetricKey): number[] {
  return rows.map((r) => r[key]).filter((v): v is number => v !== null && Number.isFinite(v));
}

/** Why the tests cannot be run on these groups, or null when they can. */
function insufficiency(platforms: string[], groups: number[][]): string | null {
  if (platforms.length < 2) return 'only one platform: nothing to compare';
  const small = platforms.filter((_, i) => groups[i].length < MIN_BATCHES);
  if (small.length) {
    return `${small.map((p) => `${p} has n = ${groups[platforms.indexOf(p)].length}`).join(', ')} (need ≥ ${MIN_BATCHES} measured batches per platform)`;
  }
  const pooled = groups.flat();
  if (pooled.every((v) => v === pooled[0])) return `all values are identical (${pooled[0]})`;
  return null;
}

function pairwise(a: string, b: string, x: number[], y: number[], opts: CompareOptions): Omit<PairwiseComparison, 'pHolm'> {
  const pooled = [...x, ...y];
  // Two identical constant samples: no test statistic exists, and "no difference" is the honest p.
  const mw = pooled.every((v) => v === pooled[0])
    ? { U: (x.length * y.length) / 2, pValue: 1, method: 'asymptotic' as const }
    : mannWhitneyU(x, y);
  const ci = bootstrapMedianDiffCI(x, y, opts.bootstrap);
  return {
    a,
    b,
    U: mw.U,
    pValue: mw.pValue,
    method: mw.method,
    cliffsDelta: cliffsDelta(x, y),
    varghaDelaneyA: varghaDelaneyA(x, y),
    medianDiff: { estimate: ci.estimate, lower: ci.lower, upper: ci.upper, level: ci.level, iterations: ci.iterations, seed: ci.seed },
  };
}

function draft(metric: Draft['metric'], platforms: string[], measured: BatchRow[], opts: CompareOptions): Draft {
  const groups: number[][] = [];
  const perPlatform: PlatformMetricSummary[] = platforms.map((platform) => {
    const rows = measured.filter((r) => r.platform === platform);
    const v = values(rows, metric.key);
    groups.push(v);
    return { platform, n: v.length, missing: rows.length - v.length, summary: v.length ? summarize(v) : null };
  });
  const insufficient = insufficiency(platforms, groups);
  if (insufficient) return { metric, perPlatform, groups, insufficient, kw: null, pairwise: [] };
  const kw = kruskalWallis(groups);
  const pairs: Draft['pairwise'] = [];
  for (let i = 0; i < platforms.length; i++) {
    for (let j = i + 1; j < platforms.length; j++) pairs.push(pairwise(platforms[i], platforms[j], groups[i], groups[j], opts));
  }
  return { metric, perPlatform, groups, insufficient: null, kw: { H: kw.H, df: kw.df, pValue: kw.pValue }, pairwise: pairs };
}

/** Platforms ordered best first by median (stable: config order breaks exact ties). */
function rankByMedian(perPlatform: PlatformMetricSummary[], better: Better): PlatformMetricSummary[] {
  const sign = better === 'lower' ? 1 : -1;
  return [...perPlatform].sort((p, q) => sign * (p.summary!.median - q.summary!.median));
}

function pairOf(pairs: PairwiseComparison[], a: string, b: string): PairwiseComparison {
  return pairs.find((p) => (p.a === a && p.b === b) || (p.a === b && p.b === a))!;
}

/** How much better `best` is than `next`, % of `next` (null when next is 0: no Infinity in the model). */
function relativeDiffPct(bestMedian: number, nextMedian: number): number | null {
  return nextMedian !== 0 ? (Math.abs(nextMedian - bestMedian) / Math.abs(nextMedian)) * 100 : null;
}

function verdictFor(
  better: Better,
  perPlatform: PlatformMetricSummary[],
  omnibus: OmnibusTest,
  pairs: PairwiseComparison[],
  alpha: number,
): Verdict {
  const ranked = rankByMedian(perPlatform, better);
  const [best, runnerUp] = ranked;
  const bestMedian = best.summary!.median;
  const runnerMedian = runnerUp.summary!.median;
  const significantOverall = omnibus.pHolm < alpha;
  const decisivePair = pairOf(pairs, best.platform, runnerUp.platform);
  // With two platforms the omnibus test is the comparison; with more, the best must also beat the runner-up.
  const pValue = perPlatform.length === 2 ? omnibus.pHolm : decisivePair.pHolm;
  const medianTie = bestMedian === runnerMedian;
  if (significantOverall && pValue < alpha && !medianTie) {
    // The runner-up's median cannot be 0 here: times are ≥ 0 (nothing beats 0 s/MiB) and a throughput
    // of 0 would need infinite time. The fallback only keeps the model free of Infinity.
    const improvementPct = relativeDiffPct(bestMedian, runnerMedian) ?? 0;
    return { kind: 'winner', winner: best.platform, runnerUp: runnerUp.platform, improvementPct, pValue };
  }
  // Report the p that failed: the omnibus one, or (omnibus significant) the best-vs-runner-up one.
  const failedP = significantOverall ? pValue : omnibus.pHolm;
  const tied = significantOverall
    ? ranked.filter((p) => p === best || pairOf(pairs, best.platform, p.platform).pHolm >= alpha || p.summary!.median === bestMedian).map((p) => p.platform)
    : ranked.map((p) => p.platform);
  // Distributions can differ significantly while the medians coincide: then no platform is better by median.
  return { kind: 'no-significant-difference', tied, bestByMedian: best.platform, pValue: failedP, equalMedians: failedP < alpha };
}

/** Who leads by median and by how much, whatever the verdict (which says whether it is significant). */
function rankingOf(perPlatform: PlatformMetricSummary[], better: Better): MetricRanking {
  const [best, next] = rankByMedian(perPlatform.filter((p) => p.summary !== null), better);
  const bestMedian = best?.summary?.median ?? null;
  const nextMedian = next?.summary?.median ?? null;
  return {
    best: best?.platform ?? null,
    next: next?.platform ?? null,
    bestMedian,
    nextMedian,
    relativeDiffPct: bestMedian !== null && nextMedian !== null ? relativeDiffPct(bestMedian, nextMedian) : null,
  };
}

export function compareMetrics(measured: BatchRow[], platforms: string[], opts: CompareOptions): MetricComparison[] {
  const drafts = BATCH_METRICS.map((m) => draft(m, platforms, measured, opts));
  // The family for Holm: one omnibus test per metric that could be tested.
  const tested = drafts.filter((d) => d.kw !== null);
  const adjusted = holm(tested.map((d) => d.kw!.pValue));
  return drafts.map((d) => {
    const { key, label, unit, better } = d.metric;
    const common = { metric: key, label, unit, better, perPlatform: d.perPlatform, ranking: rankingOf(d.perPlatform, better) };
    if (d.kw === null) {
      const reason = d.insufficient ?? 'no test';
      return {
        ...common,
        omnibus: null,
        pairwise: [],
        verdict: { kind: 'insufficient-data', reason },
      };
    }
    const omnibus: OmnibusTest = { test: 'kruskal-wallis', ...d.kw, pHolm: adjusted[tested.indexOf(d)] };
    const pairHolm = holm(d.pairwise.map((p) => p.pValue));
    const pairs: PairwiseComparison[] = d.pairwise.map((p, i) => ({ ...p, pHolm: pairHolm[i] }));
    return {
      ...common,
      omnibus,
      pairwise: pairs,
      verdict: verdictFor(better, d.perPlatform, omnibus, pairs, opts.alpha),
    };
  });
}
