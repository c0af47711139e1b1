/**
 * Fisher's exact test of a 2×2 table, two-sided: the probability, with both margins fixed, of a
 * table at most as likely as the one observed (the rule of R's fisher.test and scipy's
 * fisher_exact). Used to ask whether two platforms' shares of requests over a latency target at
 * the same offered rate differ by more than chance.
 */
import { logGamma } from './special-functions';

const logFactorial = (n: number) => logGamma(n + 1);

/** [[a, b], [c, d]]: rows are the two samples, columns "bad" and "good". */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  for (const v of [a, b, c, d]) if (!Number.isInteger(v) || v < 0) throw new RangeError(`table cells must be whole numbers ≥ 0, got ${v}`);
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const n = row1 + row2;
  if (n === 0) return 1;
  const fixed = logFactorial(row1) + logFactorial(row2) + logFactorial(col1) + logFactorial(n - col1) - logFactorial(n);
  const logP = (x: number) => fixed - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(row2 - col1 + x);
  const observed = logP(a);
  let p = 0;
  // Relative tolerance as R uses (1 + 1e-7), so tables equally likely up to rounding count.
  for (let x = Math.max(0, col1 - row2); x <= Math.min(row1, col1); x++) {
    const lp = logP(x);
    if (lp <= observed + Math.log1p(1e-7)) p += Math.exp(lp);
  }
  return Math.min(1, p);
}
