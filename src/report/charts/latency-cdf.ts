/** Per-request latency distribution of one phase: one cumulative curve per platform. */
import type { TopLevelSpec } from 'vega-lite';
import type { LatencyPoint } from '../../analysis/model';
import { CHART_CONFIG, PAGE_WIDTH_PX, platformColorScale } from './theme';

export interface LatencyCdfOptions {
  platforms: readonly string[];
  width?: number;
  height?: number;
  /** Default: log when the slowest request is over 20× the fastest (tails would squash the body). */
  logScale?: boolean;
}

export function latencyCdfSpec(points: readonly LatencyPoint[], opts: LatencyCdfOptions): TopLevelSpec {
  const positive = points.map((p) => p.latencyMs).filter((v) => v > 0);
  const spread = positive.length ? Math.max(...positive) / Math.min(...positive) : 1;
  // A log scale cannot place 0 ms; fall back to linear if any latency is 0.
  const log = (opts.logScale ?? spread > 20) && positive.length === points.length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: CHART_CONFIG,
    width: opts.width ?? PAGE_WIDTH_PX - 90,
    height: opts.height ?? 150,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', strokeWidth: 1.4, interpolate: 'step-after' },
    encoding: {
      x: {
        field: 'latencyMs',
        type: 'quantitative',
        title: `request latency (ms${log ? ', log scale' : ''})`,
        scale: log ? { type: 'log' } : { zero: false },
      },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of requests ≤ x', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'platform', type: 'nominal', title: 'platform', scale: platformColorScale(opts.platforms) },
    },
  } as TopLevelSpec;
}
