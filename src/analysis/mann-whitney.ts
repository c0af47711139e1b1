/**
 * Mann–Whitney U test (Wilcoxon rank-sum) for two independent samples,
 * following scipy.stats.mannwhitneyu (scipy 1.17) so results can be checked
 * against it.
 */
import { assertFiniteSample, StatsInputError } from './descriptive';
import { averageRanks, tieCorrectionSum } from './rank';
import { normalSurvival } from './special-functions';

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic';

export interface MannWhitneyOptions {
  /** Continuity correction of the normal approximation (default true, as scipy). */
  continuity?: boolean;
  /**
   * 'auto' follows scipy's current rule (`_mwu_choose_method`): exact when at
   * least one sample has ≤ 8 observations and there are no ties; otherwise
   * asymptotic. (Older descriptions say "both ≤ 8"; scipy ≥ 1.7 uses "either".)
   */
  method?: MannWhitneyMethod;
  /** Only the two-sided alternative is supported. */
  alternative?: 'two-sided';
}

export interface MannWhitneyResult {
  /** U of sample a: #{(i, j): a_i > b_j} + ½ #{a_i = b_j}, as scipy's `statistic`. */
  U: number;
  /**
   * Standardized statistic of the normal approximation, signed so that z > 0
   * means a tends to be larger than b, continuity-corrected toward 0 when
   * enabled. `null` when the exact distribution was used.
   */
  z: number | null;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** Largest sample size for which 'auto' picks the exact distribution (scipy's threshold). */
export const EXACT_MAX_SMALLER_SAMPLE = 8;

export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const { continuity = true, method = 'auto', alternative = 'two-sided' } = options;
  if (alternative !== 'two-sided') {
    throw new StatsInputError(`mannWhitneyU: unsupported alternative '${String(alternative)}'`);
  }
  assertFiniteSample(a, 'a');
  assertFiniteSample(b, 'b');
  const n1 = a.length;
  const n2 = b.length;

  const { ranks, tieGroupSizes } = averageRanks([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < n1; i++) rankSumA += ranks[i];
  const U = rankSumA - (n1 * (n1 + 1)) / 2;
  // Two-sided: the larger of U and its mirror, tail probability doubled.
  const Umax = Math.max(U, n1 * n2 - U);
  const hasTies = tieGroupSizes.length > 0;

  let chosen: 'exact' | 'asymptotic';
  if (method === 'auto') {
    chosen = Math.min(n1, n2) <= EXACT_MAX_SMALLER_SAMPLE && !hasTies ? 'exact' : 'asymptotic';
  } else if (method === 'exact' || method === 'asymptotic') {
    chosen = method;
  } else {
    throw new StatsInputError(`mannWhitneyU: unknown method '${String(method)}'`);
  }

  if (chosen === 'exact') {
    // The exact null distribution assumes distinct values; with ties U is not
    // on its lattice and the p-value would be wrong without saying so.
    if (hasTies) throw new StatsInputError('mannWhitneyU: exact method is not valid with ties');
    const p = 2 * exactUpperTail(Umax, n1, n2);
    return { U, z: null, pValue: Math.min(1, p), method: 'exact' };
  }

  const N = n1 + n2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieCorrectionSum(tieGroupSizes) / (N * (N - 1))));
  if (!(sd > 0)) {
    throw new StatsInputError('mannWhitneyU: all values are identical, the normal approximation is undefined');
  }
  const correction = continuity ? 0.5 : 0;
  // scipy: z = (max(U1, U2) − mean − ½) / sd and p = 2·sf(z), capped at 1.
  const pValue = Math.min(1, 2 * normalSurvival((Umax - mean - correction) / sd));
  const distance = Math.max(0, Math.abs(U - mean) - correction);
  const z = (Math.sign(U - mean) * distance) / sd;
  return { U, z, pValue, method: 'asymptotic' };
}

/**
 * P(U ≥ u) under H0 for sample sizes m, n without ties.
 *
 * The number of arrangements with U = k is the coefficient of q^k in the
 * Gaussian binomial [m+n choose s]_q = Π_{i=1..s} (1 − q^{L+i}) / (1 − q^i),
 * with s = min(m, n), L = max(m, n). Each factor is applied as a running sum
 * (division by 1 − q^i) then a lagged difference (multiplication by
 * 1 − q^{L+i}), O(s²·L) overall. Only the lower half is computed and the
 * upper half filled by symmetry: there the coefficients increase, so the
 * subtraction is well conditioned (relative error ≲ s·ε). Each step is
 * rescaled by i/(L+i) so the array stays a probability mass function and
 * cannot overflow for large forced-exact samples.
 */
function exactUpperTail(u: number, m: number, n: number): number {
  const s = Math.min(m, n);
  const L = Math.max(m, n);
  const maxU = s * L;
  let pmf = new Float64Array(maxU + 1);
  pmf[0] = 1; // [L choose 0]_q = 1
  for (let i = 1; i <= s; i++) {
    const degree = i * L;
    const previousDegree = (i - 1) * L;
    const half = Math.floor(degree / 2);
    const runningSum = new Float64Array(half + 1);
    const next = new Float64Array(maxU + 1);
    const scale = i / (L + i);
    for (let k = 0; k <= half; k++) {
      runningSum[k] = (k <= previousDegree ? pmf[k] : 0) + (k >= i ? runningSum[k - i] : 0);
      const lag = k - (L + i);
      next[k] = (runningSum[k] - (lag >= 0 ? runningSum[lag] : 0)) * scale;
    }
    for (let k = half + 1; k <= degree; k++) next[k] = next[degree - k];
    pmf = next;
  }
  // Sum the smaller side of the symmetric distribution for accuracy in the tail.
  const k0 = Math.ceil(u - 1e-9); // U is an integer without ties; guard rounding
  let tail = 0;
  for (let k = k0; k <= maxU; k++) tail += pmf[k];
  return tail;
}
