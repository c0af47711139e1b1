/**
 * Number and text formatting for every presentation — the report, the terminal, the notebooks.
 * One place decides how a number or a p-value looks, so tables, captions, the summary paragraph
 * and the CLI agree, and a missing value never prints as "NaN".
 */

/** Shown wherever a number cannot be computed (n too small, phase not run). */
export const MISSING = '—';
export const INSUFFICIENT = 'insufficient data';

/** Significant-digit formatting that keeps small latencies readable (0.0412) and big ones whole (1146). */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  if (v === 0) return '0';
  const abs = Math.abs(v);
  // Whole numbers ≥ 10^digits keep all their integer digits (no exponent notation in a paper table).
  if (abs >= 10 ** digits) return groupThousands(Math.round(v).toString());
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return groupThousands(v.toFixed(Math.min(decimals, 8)));
}

/**
 * A value copied from a data file (the study's tables, a documented SLA), shown as written there:
 * shortest round-trip form, no padding to a number of significant digits.
 */
export function asPrinted(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return groupThousands(String(v));
}

/** Fixed decimals (money, percentages). */
export function fixed(v: number | null | undefined, decimals: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return groupThousands(v.toFixed(decimals));
}

export function int(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return groupThousands(Math.round(v).toString());
}

/** Thin-space-free thousands grouping with commas: 1,145.78 (the study's style). */
function groupThousands(s: string): string {
  const [whole, frac] = s.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.length > 4 ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : digits;
  return sign + grouped + (frac !== undefined ? `.${frac}` : '');
}

/** p-values as papers print them: p < 0.001 below the third decimal. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return MISSING;
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** "p = 0.012" / "p < 0.001" for running text. */
export function pText(p: number | null | undefined): string {
  const s = pValue(p);
  return s.startsWith('<') ? `p ${s}` : `p = ${s}`;
}

export function percent(v: number | null | undefined, decimals = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return `${v.toFixed(decimals)} %`;
}

export function money(v: number | null | undefined, currency: string, decimals = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return `${currency} ${fixed(v, decimals)}`;
}

export function moneyRange(r: { min: number; max: number } | null, currency: string, decimals = 4): string {
  if (!r) return MISSING;
  if (r.min === r.max) return money(r.min, currency, decimals);
  return `${money(r.min, currency, decimals)}–${fixed(r.max, decimals)}`;
}

/** Bytes in the report's unit, MiB = 2^20 bytes (GiB above 1024 MiB). */
export function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return m >= 1024 ? `${num(m / 1024)} GiB` : `${num(m)} MiB`;
}

/** A list in prose: "a", "a and b", "a, b and c". */
export function listText(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Manifest times are ISO 8601 UTC; papers read better without the milliseconds. */
export function isoTime(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
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

/** A change with its sign always shown ("+0.052", "−0.013"), for differences and deltas. */
export function signed(v: number | null | undefined, decimals: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  const s = fixed(Math.abs(v), decimals);
  if (Number(Math.abs(v).toFixed(decimals)) === 0) return s;
  return `${v < 0 ? '−' : '+'}${s}`;
}

/** A relative change: "+12.3 %", "−4.0 %". */
export function signedPercent(v: number | null | undefined, decimals = 1): string {
  const s = signed(v, decimals);
  return s === MISSING ? s : `${s} %`;
}
