/**
 * The columns of a sealed request file, typed as the records are (schema/records.ts RequestRow):
 * one definition for the writer, the readers and the README. `run`, `platform` and `phase` are
 * partition columns: they live in the folder names, not in the files.
 */
export const PARQUET_COLUMNS = [
  { name: 'batch', sql: 'INTEGER', doc: '0-based batch number' },
  { name: 'key', sql: 'VARCHAR', doc: 'object key (upload, download) or image name (inference)' },
  { name: 'bytes', sql: 'BIGINT', doc: 'payload bytes sent (upload, inference) or received (download)' },
  { name: 'startedAt', sql: 'BIGINT', doc: 'wall-clock start, epoch milliseconds' },
  { name: 'monoStartMs', sql: 'DOUBLE', doc: 'monotonic start, ms since the run session began' },
  { name: 'durationMs', sql: 'DOUBLE', doc: 'request duration, ms (retries included)' },
  { name: 'ttfbMs', sql: 'DOUBLE', doc: 'time to first response byte, ms (downloads; else null)' },
  { name: 'attempts', sql: 'INTEGER', doc: 'attempts made (1 = no retry)' },
  { name: 'ok', sql: 'BOOLEAN', doc: 'whether the request succeeded in the end' },
  { name: 'errorCode', sql: 'VARCHAR', doc: 'error code of a failed request (else null)' },
  { name: 'detections', sql: 'INTEGER', doc: 'objects the detector found (inference; else null)' },
] as const;

export const PARTITION_COLUMNS = ['run', 'platform', 'phase'] as const;

export const PARQUET_CODEC = 'snappy';

/** read_parquet over sealed files with the partition columns typed as text (a run id must not become a number). */
export function readParquetSql(fileList: string): string {
  return `read_parquet(${fileList}, hive_partitioning = true, hive_types = {'run': VARCHAR, 'platform': VARCHAR, 'phase': VARCHAR})`;
}
