/** A quick per-platform view of a run's batches (the full statistics live in analysis/). */
import { summarize, type Summary } from '../analysis/descriptive';
import type { BatchRow } from './records';

export const BATCH_METRICS = [
  { key: 'uploadSPerMiB', label: 'upload', unit: 's/MiB', better: 'lower' },
  { key: 'downloadSPerMiB', label: 'download', unit: 's/MiB', better: 'lower' },
  { key: 'inferenceSPerMiB', label: 'inference', unit: 's/MiB', better: 'lower' },
  { key: 'throughputMiBps', label: 'throughput', unit: 'MiB/s', better: 'higher' },
] as const;

export type BatchMetricKey = (typeof BATCH_METRICS)[number]['key'];

/** Batches that count for statistics: not warm-up, not failed. */
export function measuredBatches(rows: BatchRow[]): BatchRow[] {
  return rows.filter((r) => !r.warmup && r.status === 'ok');
}

/** platform → metric → summary (null when the platform has no value for it). */
export function summarizeBatches(rows: BatchRow[]): Record<string, Record<BatchMetricKey, Summary | null>> {
  const out: Record<string, Record<BatchMetricKey, Summary | null>> = {};
  const measured = measuredBatches(rows);
  for (const platform of [...new Set(rows.map((r) => r.platform))]) {
    const mine = measured.filter((r) => r.platform === platform);
    out[platform] = Object.fromEntries(
      BATCH_METRICS.map(({ key }) => {
        const values = mine.map((r) => r[key]).filter((v): v is number => v !== null);
        return [key, values.length ? summarize(values) : null];
      }),
    ) as Record<BatchMetricKey, Summary | null>;
  }
  return out;
}
