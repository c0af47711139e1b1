/**
 * Shared look of every figure: a Vega-Lite `config` plus the platform → colour mapping. Kept apart
 * from the spec builders so a notebook can restyle all charts at once, as Vega-Lite intends.
 */
import type { Config } from 'vega-lite/build/src/config';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies and in greyscale print. */
export const PLATFORM_PALETTE = ['#E69F00', '#0072B2', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** Marks for points that are shown but not counted (warm-up, failed batches). */
export const EXCLUDED_COLOR = '#7a7a7a';

/** Fixed domain → range, so a platform keeps its colour in every figure, whatever it contains. */
export function platformColorScale(platforms: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...platforms], range: platforms.map((_, i) => PLATFORM_PALETTE[i % PLATFORM_PALETTE.length]) };
}

/** DejaVu Sans is what Debian's chromium package pulls in; the SVG names fallbacks for other systems. */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export const CHART_CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 4,
  view: { stroke: '#d0d0d0' },
  axis: {
    labelFontSize: 10,
    titleFontSize: 10,
    titleFontWeight: 'normal',
    gridColor: '#ececec',
    domainColor: '#888',
    tickColor: '#888',
    labelColor: '#333',
    titleColor: '#333',
  },
  legend: { labelFontSize: 10, titleFontSize: 10, titleFontWeight: 'normal', orient: 'top' },
  header: { labelFontSize: 11, labelFontWeight: 'bold', titleFontSize: 11 },
  title: { fontSize: 11 },
};

/** The printable width of an A4 page with the report's margins, in CSS pixels (96 dpi). */
export const PAGE_WIDTH_PX = 620;

/**
 * Whole-number tick values for a batch axis 1…max: steps of 1, 2, 5, 10, 20, 25, 50, … so that at
 * most ~10 ticks show. Vega's own ticks put fractional batches (2.5) on short runs.
 */
export function batchTicks(maxBatch: number, maxTicks = 10): number[] {
  const max = Math.max(1, Math.floor(maxBatch));
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
  const step = steps.find((s) => Math.ceil(max / s) <= maxTicks) ?? Math.ceil(max / maxTicks);
  // Batch 1 is labelled unless the next tick would crowd it (steps of 2).
  const ticks = step === 1 || step === 2 ? [] : [1];
  for (let t = step; t <= max; t += step) ticks.push(t);
  return ticks;
}

/** Half a batch of room on either side, so the first and last points are not drawn on the axes. */
export function batchDomain(maxBatch: number, minBatch = 1): [number, number] {
  return [minBatch - 0.5, Math.max(minBatch, maxBatch) + 0.5];
}
