/**
 * Holm's step-down adjustment for multiple comparisons (controls the
 * family-wise error rate without Bonferroni's loss of power).
 */
import { StatsInputError } from './descriptive';

/**
 * Adjusted p-values in the input order, matching R's `p.adjust(p, "holm")`:
 * sort ascending, multiply the i-th smallest (1-based) by (n − i + 1), take the
 * running maximum so adjusted values keep the order of the raw ones, cap at 1.
 */
export function holm(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new StatsInputError(`holm: pValues[${i}] is not a probability: ${String(p)}`);
    }
  });
  const n = pValues.length;
  // Stable sort, like R's order(), so ties keep their input order.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => pValues[i] - pValues[j]);
  const adjusted = new Array<number>(n);
  let runningMax = 0;
  order.forEach((index, rank) => {
    runningMax = Math.max(runningMax, (n - rank) * pValues[index]);
    adjusted[index] = Math.min(1, runningMax);
  });
  return adjusted;
}
