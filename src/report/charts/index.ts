/**
 * Vega-Lite spec builders of the report's figures. Each returns a plain JSON spec: render it with
 * `renderSvg` (Node), or display it in a notebook / the Vega editor unchanged.
 */
export { batchSeriesSpec, type SeriesOptions } from './batch-series';
export { batchOverlaySpec, type OverlayOptions } from './overlay';
export { boxplotSpec, type BoxplotOptions } from './boxplot';
export { latencyCdfSpec, type LatencyCdfOptions } from './latency-cdf';
export { hockeySpec, timelineSpec, distributionSpec } from './load-charts';
export { CHART_CONFIG, PLATFORM_PALETTE, platformColorScale } from './theme';
export { changeSpec, type ChangePoint, type ChangeOptions } from './change';
export { trendSpec, type TrendPoint, type TrendOptions } from './trend';
