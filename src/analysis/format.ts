/** Number formatting shared by verdict texts and the terminal tables (fixed decimals, no NaN). */

/** p-values: three decimals, scientific below 0.001 so tiny p never print as 0.000. */
export function formatP(p: number): string {
  if (p >= 0.001) return p.toFixed(3);
  if (p === 0) return '< 1e-300';
  return p.toExponential(1);
}

export function formatFixed(v: number | null | undefined, decimals: number): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(decimals);
}

/**
 * Decimals that show about four significant digits of `reference` (a metric's typical value), so a
 * whole column shares one precision whether services take 2 s/MiB or 0.002 s/MiB.
 */
export function decimalsFor(reference: number): number {
  const abs = Math.abs(reference);
  if (!Number.isFinite(abs) || abs === 0) return 3;
  return Math.min(8, Math.max(2, 3 - Math.floor(Math.log10(abs))));
}
