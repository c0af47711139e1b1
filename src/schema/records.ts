/**
 * The results schema: one row per request (requests.jsonl) and one per platform × batch
 * (batches.csv). Units: milliseconds for request times, seconds for phase times,
 * MiB = 2^20 bytes.
 */
import type { Phase } from './phases';

export const MIB = 2 ** 20;

export interface RequestRow {
  run: string;
  platform: string;
  /** Counted from 0, as stored; shown as shownBatch(batch). */
  batch: number;
  phase: Phase;
  /** Object key (upload/download) or the image's name (inference). */
  key: string;
  /** Payload bytes sent (upload, inference) or received (download). */
  bytes: number;
  /** Wall-clock start, epoch milliseconds. */
  startedAt: number;
  /** Monotonic start, milliseconds since the run session began: phase times derive from these. */
  monoStartMs: number;
  durationMs: number;
  /** Time to first response byte (downloads only). */
  ttfbMs: number | null;
  attempts: number;
  ok: boolean;
  errorCode: string | null;
  /** Objects the detector found (inference only). */
  detections: number | null;
}

export type BatchStatus = 'ok' | 'failed';

export interface BatchRow {
  run: string;
  platform: string;
  /** Counted from 0, as stored; shown as shownBatch(batch). */
  batch: number;
  /** Warm-up batches are kept in the data but left out of statistics. */
  warmup: boolean;
  /** `failed` when more than the tolerated fraction of its requests failed. */
  status: BatchStatus;
  images: number;
  bytes: number;
  mib: number;
  /** Phase wall time: first request start to last request end, seconds (null: phase not run). */
  uploadS: number | null;
  downloadS: number | null;
  inferenceS: number | null;
  uploadSPerMiB: number | null;
  downloadSPerMiB: number | null;
  inferenceSPerMiB: number | null;
  /** The study's throughput: batch MiB / (downloadS + inferenceS). */
  throughputMiBps: number | null;
  requests: number;
  failures: number;
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Wall-clock start of the batch on this platform, ISO 8601. */
  startedAt: string;
}

export const BATCH_COLUMNS: readonly (keyof BatchRow)[] = [
  'run', 'platform', 'batch', 'warmup', 'status', 'images', 'bytes', 'mib',
  'uploadS', 'downloadS', 'inferenceS', 'uploadSPerMiB', 'downloadSPerMiB', 'inferenceSPerMiB',
  'throughputMiBps', 'requests', 'failures', 'retried', 'startedAt',
];

/**
 * The one batch numbering people see. Stored data counts batches from 0 (the `batch` field of
 * batches.csv, requests.jsonl and the Parquet files, the `b<batch>` of object keys, the shard split
 * b mod N); everything shown to a person (progress lines, messages, report charts and notes,
 * notebook tables, the app) counts from 1, as the study did. README "Batch numbers" says the same.
 */
export function shownBatch(batch: number): number {
  return batch + 1;
}

/** Batches that count for statistics: not warm-up, not failed. */
export function isMeasured(row: Pick<BatchRow, 'warmup' | 'status'>): boolean {
  return !row.warmup && row.status === 'ok';
}

export function measuredBatches<T extends Pick<BatchRow, 'warmup' | 'status'>>(rows: readonly T[]): T[] {
  return rows.filter(isMeasured);
}
