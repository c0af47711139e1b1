/**
 * Figures of the load scenario: latency against offered rate (the "hockey stick"), latency and
 * instance count over time, and the coordinated-omission-corrected distribution against the naive one.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DistributionPoint, HockeyPoint, TimelinePoint } from '../../analysis/model';
import { CHART_CONFIG, PAGE_WIDTH_PX, platformColorScale } from './theme';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const SLO_COLOR = '#b22222';

/** p99 (corrected, solid; naive, dashed) and p50 (dotted) against the offered rate, with the target as a red rule. */
export function hockeySpec(points: readonly HockeyPoint[], opts: { platforms: readonly string[]; sloMs: number; percentile: number }): TopLevelSpec {
  const long = points.flatMap((p) => [
    { platform: p.platform, rateRps: p.rateRps, latencyMs: p.p99, series: `p99 corrected` },
    { platform: p.platform, rateRps: p.rateRps, latencyMs: p.naiveP99, series: `p99 naive` },
    { platform: p.platform, rateRps: p.rateRps, latencyMs: p.p50, series: 'p50 corrected' },
  ]);
  const color = { field: 'platform', type: 'nominal', title: 'platform', scale: platformColorScale(opts.platforms) };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: PAGE_WIDTH_PX - 150,
    height: 190,
    layer: [
      {
        data: { values: long },
        encoding: {
          x: { field: 'rateRps', type: 'quantitative', title: 'offered rate (requests/s)' },
          y: { field: 'latencyMs', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
          color,
        },
        // Lines and points in separate layers, so the legend shows the dash patterns, not dots.
        layer: [
          {
            mark: { type: 'line', strokeWidth: 1.4 },
            encoding: {
              strokeDash: {
                field: 'series', type: 'nominal', title: 'statistic',
                scale: { domain: ['p99 corrected', 'p99 naive', 'p50 corrected'], range: [[1, 0], [5, 3], [1, 2]] },
                legend: { symbolType: 'stroke', symbolStrokeColor: '#333', symbolSize: 300 },
              },
              detail: { field: 'series' },
            },
          },
          { mark: { type: 'point', filled: true, size: 22 }, encoding: { detail: { field: 'series' } } },
        ],
      },
      {
        data: { values: [{ sloMs: opts.sloMs, label: `target p${opts.percentile} ≤ ${opts.sloMs} ms` }] },
        layer: [
          { mark: { type: 'rule', color: SLO_COLOR, strokeDash: [2, 2] }, encoding: { y: { field: 'sloMs', type: 'quantitative' } } },
          {
            mark: { type: 'text', color: SLO_COLOR, align: 'left', dx: 3, dy: -6, fontSize: 9 },
            encoding: { y: { field: 'sloMs', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
          },
        ],
      },
    ],
  } as TopLevelSpec;
}

/** Per second: corrected p99 of the requests completed in it (top) and the instances serving (bottom). */
export function timelineSpec(points: readonly TimelinePoint[], opts: { platforms: readonly string[]; sloMs: number }): TopLevelSpec {
  const color = { field: 'platform', type: 'nominal', title: 'platform', scale: platformColorScale(opts.platforms) };
  const width = PAGE_WIDTH_PX - 150;
  const hasInstances = points.some((p) => p.instances !== null);
  const x = { field: 't', type: 'quantitative', title: 'seconds since the first measured load request' };
  const latency = {
    width,
    height: 150,
    layer: [
      {
        data: { values: points.filter((p) => p.p99Ms !== null).map((p) => ({ ...p })) },
        mark: { type: 'point', filled: true, size: 14, opacity: 0.8 },
        encoding: {
          x,
          y: { field: 'p99Ms', type: 'quantitative', title: 'p99 in the second (ms, log)', scale: { type: 'log' } },
          color,
          tooltip: [{ field: 'platform' }, { field: 'rateRps', title: 'offered req/s' }, { field: 'p99Ms', format: '.1f' }],
        },
      },
      { data: { values: [{ sloMs: opts.sloMs }] }, mark: { type: 'rule', color: SLO_COLOR, strokeDash: [2, 2] }, encoding: { y: { field: 'sloMs', type: 'quantitative' } } },
    ],
  };
  const instances = {
    width,
    height: 70,
    data: { values: points.filter((p) => p.instances !== null).map((p) => ({ ...p })) },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.4 },
    encoding: {
      x,
      y: { field: 'instances', type: 'quantitative', title: 'instances', axis: { tickMinStep: 1, format: 'd' }, scale: { zero: true } },
      color,
      // One line per step: between a platform's steps the other platforms ran, and its count is unknown.
      detail: { field: 'rateRps' },
    },
  };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    vconcat: hasInstances ? [latency, instances] : [latency],
    resolve: { scale: { x: 'shared' } },
  } as TopLevelSpec;
}

const DISTRIBUTION_LABEL = { corrected: 'intended start (corrected)', naive: 'send (naive)' } as const;

/** Quantile curves at one rate per platform: corrected (solid) against naive (dashed). */
export function distributionSpec(points: readonly DistributionPoint[], opts: { platforms: readonly string[] }): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: PAGE_WIDTH_PX - 150,
    height: 170,
    data: { values: points.map((p) => ({ ...p, kind: DISTRIBUTION_LABEL[p.kind] })) },
    mark: { type: 'line', strokeWidth: 1.4, interpolate: 'step-after' },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', title: 'request latency (ms, log scale)', scale: { type: 'log' } },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of requests ≤ x', axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'platform', type: 'nominal', title: 'platform', scale: platformColorScale(opts.platforms) },
      strokeDash: {
        field: 'kind', type: 'nominal', title: 'latency from', scale: { domain: Object.values(DISTRIBUTION_LABEL), range: [[1, 0], [5, 3]] },
        legend: { labelLimit: 240, symbolType: 'stroke', symbolStrokeColor: '#333', symbolSize: 300 },
      },
      detail: { field: 'kind' },
    },
  } as TopLevelSpec;
}
