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

export function batchMetric(key: BatchMetricKey): BatchMetric {
  return BATCH_METRICS.find((m) => m.key === key)!;
}

/** "upload (s/MiB, lower is better)". */
export function metricTitle(key: BatchMetricKey): string {
  const m = batchMetric(key);
  return `${m.label} (${m.unit}, ${m.better} is better)`;
}

/** "upload (s/MiB)": an axis label short enough not to be cut. */
export function metricAxisLabel(key: BatchMetricKey): string {
  const m = batchMetric(key);
  return `${m.label} (${m.unit})`;
}

/** Which direction is better, per unit, from the definitions: "lower is better for s/MiB, higher for MiB/s". */
export function directionSentence(): string {
  const units = (better: 'lower' | 'higher') => [...new Set(BATCH_METRICS.filter((m) => m.better === better).map((m) => m.unit))].join(', ');
  const parts = (['lower', 'higher'] as const).filter((b) => units(b)).map((b, i) => `${b}${i === 0 ? ' is better' : ''} for ${units(b)}`);
  return parts.join(', ');
}
