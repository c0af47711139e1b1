/** Distribution of the per-batch values per platform (the study's Figures 6, 10, 14, 16). */
import type { TopLevelSpec } from 'vega-lite';
import type { BatchPoint } from '../../analysis/model';
import { CHART_CONFIG, platformColorScale } from './theme';

export interface BoxplotOptions {
  platforms: readonly string[];
  valueTitle: string;
  height?: number;
}

/** Tukey's whisker length, in interquartile ranges (the captions quote it). */
export const WHISKER_IQR = 1.5;

/** Tukey boxplot: whiskers at WHISKER_IQR × IQR, points beyond them drawn as outliers. */
export function boxplotSpec(points: readonly BatchPoint[], opts: BoxplotOptions): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    width: { step: 90 },
    height: opts.height ?? 170,
    data: { values: points.filter((p) => p.measured).map((p) => ({ ...p })) },
    mark: { type: 'boxplot', extent: WHISKER_IQR, size: 36, median: { color: '#222' }, outliers: { size: 14 } },
    encoding: {
      x: { field: 'platform', type: 'nominal', sort: [...opts.platforms], title: null, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale: { zero: false } },
      color: { field: 'platform', type: 'nominal', scale: platformColorScale(opts.platforms), legend: null },
    },
  } as TopLevelSpec;
}
