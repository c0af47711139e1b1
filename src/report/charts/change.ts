/**
 * Run versus run as a forest plot: per metric and platform the relative change of the median with
 * its bootstrap interval, a line at no change. Filled dots are significant changes (after Holm),
 * hollow ones are `~`; the caption says which direction is better for each metric.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG, PAGE_WIDTH_PX, platformColorScale } from './theme';

export interface ChangePoint {
  /** Row label, e.g. "upload (s/MiB, lower is better)". */
  metric: string;
  platform: string;
  changePct: number;
  lowPct: number | null;
  highPct: number | null;
  significant: boolean;
}

export interface ChangeOptions {
  platforms: readonly string[];
  /** Metric labels in display order. */
  metrics: readonly string[];
  width?: number;
}

export function changeSpec(points: readonly ChangePoint[], opts: ChangeOptions): TopLevelSpec {
  const colors = platformColorScale(opts.platforms);
  const y = { field: 'metric', type: 'nominal' as const, title: null, sort: [...opts.metrics], axis: { labelLimit: 220 } };
  const yOffset = { field: 'platform', type: 'nominal' as const, sort: [...opts.platforms], scale: { paddingInner: 0.3 } };
  const color = { field: 'platform', type: 'nominal' as const, title: 'platform', scale: colors, sort: [...opts.platforms] };
  const x = { field: 'changePct', type: 'quantitative' as const, title: 'change of the median, new vs baseline (%)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    width: opts.width ?? PAGE_WIDTH_PX - 240,
    height: { step: 12 * Math.max(1, opts.platforms.length) + 8 },
    data: { values: points.map((p) => ({ ...p })) },
    layer: [
      { mark: { type: 'rule', color: '#555', strokeDash: [4, 3] }, encoding: { x: { datum: 0, type: 'quantitative' } } },
      {
        transform: [{ filter: 'datum.lowPct !== null' }],
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { y, yOffset, color, x: { field: 'lowPct', type: 'quantitative' }, x2: { field: 'highPct' } },
      },
      {
        mark: { type: 'point', size: 45, strokeWidth: 1.5 },
        encoding: {
          y, yOffset, color, x,
          fill: { condition: { test: 'datum.significant', field: 'platform', type: 'nominal', scale: colors }, value: 'white' },
          opacity: { value: 1 },
        },
      },
    ],
  } as TopLevelSpec;
}
