/**
 * Non-parametric effect sizes for two independent samples. Both are functions
 * of the same dominance counts, #{a_i > b_j} and #{a_i < b_j}, over all pairs.
 */
import { assertFiniteSample, sortedAscending } from './descriptive';

interface DominanceCounts {
  greater: number;
  less: number;
  pairs: number;
}

/** Index of the first element of `sorted` that is >= x (or > x when `strict`). */
function lowerBound(sorted: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? sorted[mid] <= x : sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** O((n + m) log m): sort b once, binary-search each a_i. */
function dominanceCounts(a: readonly number[], b: readonly number[]): DominanceCounts {
  assertFiniteSample(a, 'a');
  assertFiniteSample(b, 'b');
  const sortedB = sortedAscending(b);
  let greater = 0;
  let less = 0;
  for (const x of a) {
    greater += lowerBound(sortedB, x, false); // b_j < x
    less += sortedB.length - lowerBound(sortedB, x, true); // b_j > x
  }
  return { greater, less, pairs: a.length * b.length };
}

/**
 * Cliff's delta: δ = P(a > b) − P(a < b) over all pairs, in [−1, 1].
 * δ > 0 means values in a tend to be larger than values in b.
 */
export function cliffsDelta(a: readonly number[], b: readonly number[]): number {
  const { greater, less, pairs } = dominanceCounts(a, b);
  return (greater - less) / pairs;
}

/**
 * Vargha–Delaney A: A = P(a > b) + ½ P(a = b), in [0, 1]; 0.5 = no effect.
 * Equals U_a / (n·m) of the Mann–Whitney test and (δ + 1) / 2.
 */
export function varghaDelaneyA(a: readonly number[], b: readonly number[]): number {
  const { greater, less, pairs } = dominanceCounts(a, b);
  const ties = pairs - greater - less;
  return (greater + 0.5 * ties) / pairs;
}
