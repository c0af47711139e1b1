/**
 * Per-batch series, one small chart per platform with the platform's mean as a dashed line
 * (the study's Figures 3/4, 7/8, 11/12). Built with `concat` rather than `facet` so every panel
 * is an ordinary layered chart with its own axes and y scale.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BatchPoint } from '../../analysis/model';
import { CHART_CONFIG, EXCLUDED_COLOR, PAGE_WIDTH_PX, batchDomain, batchTicks, platformColorScale } from './theme';

export interface SeriesOptions {
  /** Platforms in report order (fixes panel order and colours). */
  platforms: readonly string[];
  /** Axis title of the value, e.g. "upload time (s/MiB)". */
  valueTitle: string;
  /** Panels per row (default: 2, or 1 for a single platform). */
  columns?: number;
  width?: number;
  height?: number;
}

export function batchSeriesSpec(points: readonly BatchPoint[], opts: SeriesOptions): TopLevelSpec {
  const columns = opts.columns ?? Math.min(2, Math.max(1, opts.platforms.length));
  const width = opts.width ?? Math.floor(PAGE_WIDTH_PX / columns) - 75;
  const height = opts.height ?? 110;
  const maxBatch = Math.max(1, ...points.map((p) => p.batch));
  const colors = platformColorScale(opts.platforms);
  // Dots on every batch help a short run (and a single batch, where a line has nothing to join); on long runs they are clutter.
  const dense = maxBatch > 40;
  // Same x domain in every panel, so batch n lines up across platforms.
  const x = {
    field: 'batch',
    type: 'quantitative' as const,
    title: 'batch',
    scale: { domain: batchDomain(maxBatch), nice: false },
    axis: { values: batchTicks(maxBatch), format: 'd' },
  };
  const y = { field: 'value', type: 'quantitative' as const, title: opts.valueTitle, scale: { zero: false } };
  // A panel whose values are all equal (one batch) has an empty y range, which vega labels "0":
  // give it ±10 % of room around the value instead.
  const yFor = (platform: string) => {
    const values = points.filter((p) => p.platform === platform).map((p) => p.value);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    if (values.length === 0 || lo !== hi) return y;
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return { ...y, scale: { domain: [lo - pad, hi + pad], nice: false } };
  };
  const panel = (platform: string, i: number) => ({
    title: { text: platform, fontSize: 11, fontWeight: 'bold' as const },
    width,
    height,
    transform: [{ filter: { field: 'platform', equal: platform } }],
    layer: [
      {
        transform: [{ filter: 'datum.measured' }],
        mark: { type: 'line' as const, strokeWidth: 1.2, color: colors.range[i], point: dense ? false : { size: 12, filled: true, color: colors.range[i] } },
        encoding: { x, y: yFor(platform) },
      },
      {
        transform: [{ filter: '!datum.measured' }],
        mark: { type: 'point' as const, shape: 'diamond', size: 30, filled: false, strokeWidth: 1.3, color: EXCLUDED_COLOR },
        encoding: { x, y },
      },
      {
        transform: [{ filter: 'datum.measured' }, { aggregate: [{ op: 'mean' as const, field: 'value', as: 'mean' }] }],
        mark: { type: 'rule' as const, strokeDash: [5, 3], strokeWidth: 1, color: '#333' },
        encoding: { y: { field: 'mean', type: 'quantitative' as const } },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    data: { values: points.map((p) => ({ ...p })) },
    columns,
    concat: opts.platforms.map(panel),
    spacing: { row: 12, column: 20 },
  } as TopLevelSpec;
}
