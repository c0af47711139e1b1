/**
 * Average ranks with ties, the common first step of the rank-based tests
 * (Kruskal–Wallis, Mann–Whitney).
 */

export interface RankResult {
  /** 1-based ranks in input order; tied values share the mean of their ranks. */
  ranks: number[];
  /**
   * Sizes of the groups of tied values, only groups with 2 or more members
   * (singletons contribute nothing to any tie correction).
   */
  tieGroupSizes: number[];
}

/** Ranks `values` (assumed finite; callers validate) with average ranks for ties. */
export function averageRanks(values: readonly number[]): RankResult {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(n);
  const tieGroupSizes: number[] = [];
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold equal values: ranks start+1..end, mean below.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = averageRank;
    if (end - start > 1) tieGroupSizes.push(end - start);
    start = end;
  }
  return { ranks, tieGroupSizes };
}

/** Σ (t³ − t) over tie groups: the quantity every rank-test tie correction needs. */
export function tieCorrectionSum(tieGroupSizes: readonly number[]): number {
  let sum = 0;
  for (const t of tieGroupSizes) sum += t * t * t - t;
  return sum;
}
