/**
 * One metric over the runs of a configuration: per platform the median of each run with its
 * bootstrap interval, joined in time order. A ring marks a run whose change from the run before is
 * significant (after Holm); the caption says which direction is better.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_CONFIG, PAGE_WIDTH_PX, platformColorScale } from './theme';

export interface TrendPoint {
  platform: string;
  /** ISO start time of the run. */
  startedAt: string;
  runId: string;
  median: number;
  lower: number | null;
  upper: number | null;
  /** A significant change from the previous run. */
  changed: boolean;
}

export interface TrendOptions {
  platforms: readonly string[];
  valueTitle: string;
  width?: number;
  height?: number;
}

export function trendSpec(points: readonly TrendPoint[], opts: TrendOptions): TopLevelSpec {
  const colors = platformColorScale(opts.platforms);
  const times = points.map((p) => Date.parse(p.startedAt));
  // Daily runs read as dates; runs within a couple of days need the time too.
  const daily = Math.max(...times) - Math.min(...times) >= 2 * 86_400_000;
  const format = daily ? '%Y-%m-%d' : '%m-%d %H:%M';
  // A tick at each run while they are few (a free axis repeats a date at half-day ticks); a day apart at most when many.
  const runTimes = [...new Set(times)].sort((a, b) => a - b);
  const axis = runTimes.length <= 12 ? { format, values: runTimes } : { format, ...(daily ? { tickCount: { interval: 'day' as const, step: 1 } } : {}) };
  const x = { field: 'startedAt', type: 'temporal' as const, title: 'run started (UTC)', axis: { labelAngle: 0, labelOverlap: true, ...axis } };
  const color = { field: 'platform', type: 'nominal' as const, title: 'platform', scale: colors, sort: [...opts.platforms] };
  const y = { field: 'median', type: 'quantitative' as const, title: opts.valueTitle, scale: { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    width: opts.width ?? PAGE_WIDTH_PX - 120,
    height: opts.height ?? 150,
    data: { values: points.map((p) => ({ ...p })) },
    encoding: { x: { ...x, scale: { type: 'utc' as const } } },
    layer: [
      {
        transform: [{ filter: 'datum.lower !== null' }],
        mark: { type: 'rule', strokeWidth: 1.2, opacity: 0.7 },
        encoding: { color, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
      },
      { mark: { type: 'line', strokeWidth: 1.2, point: { filled: true, size: 20 } }, encoding: { color, y } },
      {
        transform: [{ filter: 'datum.changed' }],
        mark: { type: 'point', size: 160, strokeWidth: 1.5, color: '#222', filled: false },
        encoding: { y },
      },
    ],
  } as TopLevelSpec;
}
