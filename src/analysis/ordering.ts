/**
 * Which platform is ahead, decided one way for every table, sentence and requirement: a value
 * strictly below all others, or a min–max range entirely below all others (so autoscaling cannot
 * change the order). Ties and missing values decide nothing.
 */
import type { Range } from './model';

export type RangeCompare = 'range' | 'min' | 'max';

/** The platform whose value is strictly lower than every other's; null on a tie or with < 2 values. */
export function uniqueLowest(pairs: ReadonlyArray<readonly [string, number | null]>): string | null {
  const ok = pairs.filter((p): p is readonly [string, number] => p[1] !== null && Number.isFinite(p[1]));
  if (ok.length < 2) return null;
  const sorted = [...ok].sort((a, b) => a[1] - b[1]);
  return sorted[0][1] < sorted[1][1] ? sorted[0][0] : null;
}

/**
 * The platform below every other: its whole range (`range`), its minimum (`min`) or its maximum
 * (`max`); null when none is, or with fewer than 2 ranges.
 */
export function uniquelyBelow(pairs: ReadonlyArray<readonly [string, Range | null]>, compare: RangeCompare = 'range'): string | null {
  const ok = pairs.filter((p): p is readonly [string, Range] => p[1] !== null);
  if (ok.length < 2) return null;
  const below = (r: Range, s: Range) => (compare === 'range' ? r.max < s.min : compare === 'min' ? r.min < s.min : r.max < s.max);
  for (const [p, r] of ok) if (ok.every(([q, s]) => q === p || below(r, s))) return p;
  return null;
}

/** Platforms ordered best first by a value (nulls last); `better` says which direction wins. */
export function orderBy(pairs: ReadonlyArray<readonly [string, number | null]>, better: 'lower' | 'higher'): string[] {
  const sign = better === 'lower' ? 1 : -1;
  return [...pairs]
    .sort((a, b) => (a[1] === null ? 1 : b[1] === null ? -1 : sign * (a[1] - b[1])))
    .map(([p]) => p);
}
