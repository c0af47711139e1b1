/** All platforms' per-batch series in one panel (the study's Figures 5, 9, 13, 15). */
import type { TopLevelSpec } from 'vega-lite';
import type { BatchPoint } from '../../analysis/model';
import { CHART_CONFIG, PAGE_WIDTH_PX, batchDomain, batchTicks, platformColorScale } from './theme';

export interface OverlayOptions {
  platforms: readonly string[];
  valueTitle: string;
  width?: number;
  height?: number;
}

/** Only measured batches: the overlay compares what the statistics compare. */
export function batchOverlaySpec(points: readonly BatchPoint[], opts: OverlayOptions): TopLevelSpec {
  const measured = points.filter((p) => p.measured);
  const maxBatch = Math.max(1, ...measured.map((p) => p.batch));
  const minBatch = Math.min(maxBatch, ...measured.map((p) => p.batch));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    width: opts.width ?? PAGE_WIDTH_PX - 90,
    height: opts.height ?? 170,
    data: { values: measured.map((p) => ({ ...p })) },
    mark: { type: 'line', strokeWidth: 1.3, point: maxBatch - minBatch > 40 ? false : { size: 12, filled: true } },
    encoding: {
      x: { field: 'batch', type: 'quantitative', title: 'batch', scale: { domain: batchDomain(maxBatch, minBatch), nice: false }, axis: { values: batchTicks(maxBatch).filter((t) => t >= minBatch), format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: opts.valueTitle, scale: { zero: false } },
      color: { field: 'platform', type: 'nominal', title: 'platform', scale: platformColorScale(opts.platforms) },
    },
  } as TopLevelSpec;
}
