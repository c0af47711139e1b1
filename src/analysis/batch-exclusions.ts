/** Which batches count for statistics, and how many did not (the report states both). */
import { type BatchRow } from '../schema/records';
import { measuredBatches } from '../schema/records';
import type { BatchCounts, Exclusions } from './model';

function count(rows: BatchRow[]): BatchCounts {
  return {
    total: rows.length,
    measured: measuredBatches(rows).length,
    warmup: rows.filter((r) => r.warmup).length,
    failed: rows.filter((r) => !r.warmup && r.status === 'failed').length,
  };
}

export function countExclusions(rows: BatchRow[], platforms: string[], leftOut: string[] = []): Exclusions {
  return {
    ...count(rows),
    perPlatform: Object.fromEntries(platforms.map((p) => [p, count(rows.filter((r) => r.platform === p))])),
    leftOut,
  };
}
