/** A quick per-platform view of a run's batches (the CLI's summary after a run). */
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { measuredBatches, type BatchRow } from '../schema/records';
import { summarize, type Summary } from './descriptive';

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
