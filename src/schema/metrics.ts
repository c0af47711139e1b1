/**
 * The study's four per-batch metrics: the one definition of their names, units and which
 * direction is better, for the runner, the analysis and the report alike.
 */
export const BATCH_METRICS = [
  { key: 'uploadSPerMiB', label: 'upload', unit: 's/MiB', better: 'lower' },
  { key: 'downloadSPerMiB', label: 'download', unit: 's/MiB', better: 'lower' },
  { key: 'inferenceSPerMiB', label: 'inference', unit: 's/MiB', better: 'lower' },
  { key: 'throughputMiBps', label: 'throughput', unit: 'MiB/s', better: 'higher' },
] as const;

export type BatchMetricKey = (typeof BATCH_METRICS)[number]['key'];
export type BatchMetric = (typeof BATCH_METRICS)[number];
