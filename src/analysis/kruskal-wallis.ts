/**
 * Kruskal–Wallis H test: do k independent samples come from the same
 * distribution? Rank-based, so robust to the heavy tails of latency data.
 */
import { assertFiniteSample, StatsInputError } from './descriptive';
import { averageRanks, tieCorrectionSum } from './rank';
import { chiSquareSurvival } from './special-functions';

export interface KruskalWallisResult {
  /** Tie-corrected H statistic (as R's kruskal.test and scipy.stats.kruskal). */
  H: number;
  /** Degrees of freedom, k − 1. */
  df: number;
  /**
   * Asymptotic p-value P(χ²(df) > H) = Q(df/2, H/2). Computed in the tail
   * directly, so it stays meaningful down to ~1e-300 instead of rounding to 0.
   */
  pValue: number;
  /** Total number of observations. */
  n: number;
}

/**
 * Throws StatsInputError for fewer than 2 groups, an empty group, non-finite
 * values, or all values identical (then every rank is tied, the tie correction
 * is 0/0 and H is undefined; scipy returns NaN, we refuse instead).
 */
export function kruskalWallis(groups: readonly (readonly number[])[]): KruskalWallisResult {
  if (!Array.isArray(groups) || groups.length < 2) {
    throw new StatsInputError('kruskalWallis needs at least 2 groups');
  }
  groups.forEach((g, i) => assertFiniteSample(g, `groups[${i}]`));

  const pooled = groups.flat();
  const n = pooled.length;
  const { ranks, tieGroupSizes } = averageRanks(pooled);

  // H = 12 / (N(N+1)) Σ R_i² / n_i − 3(N+1)
  let sumSquaredRankSums = 0;
  let offset = 0;
  for (const g of groups) {
    let rankSum = 0;
    for (let k = 0; k < g.length; k++) rankSum += ranks[offset + k];
    sumSquaredRankSums += (rankSum * rankSum) / g.length;
    offset += g.length;
  }
  const uncorrectedH = (12 / (n * (n + 1))) * sumSquaredRankSums - 3 * (n + 1);

  const tieCorrection = 1 - tieCorrectionSum(tieGroupSizes) / (n * n * n - n);
  if (tieCorrection <= 0) {
    throw new StatsInputError('kruskalWallis: all values are identical, H is undefined');
  }
  // Rounding can leave −1e-15 for identical rank means; H is non-negative by definition.
  const H = Math.max(0, uncorrectedH / tieCorrection);
  const df = groups.length - 1;
  return { H, df, pValue: chiSquareSurvival(H, df), n };
}
