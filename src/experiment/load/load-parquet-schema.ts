/**
 * The columns of a sealed load-request file (schema/load-records.ts LoadRequestRow), for the
 * writer and the README. `run` and `platform` are partition columns, in the folder names only.
 */
import type { LoadRequestRow } from '../../schema/load-records';

type Column = { name: Exclude<keyof LoadRequestRow, 'run' | 'platform'>; sql: 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR'; doc: string };

export const LOAD_PARQUET_COLUMNS: readonly Column[] = [
  { name: 'step', sql: 'INTEGER', doc: 'the n-th rate of the sweep or search, from 0 (-1: the cold-start probe)' },
  { name: 'rateRps', sql: 'DOUBLE', doc: 'offered rate of the step, requests per second' },
  { name: 'phase', sql: 'VARCHAR', doc: 'warmup, measured or cold' },
  { name: 'seq', sql: 'INTEGER', doc: 'position in the step\'s arrival schedule' },
  { name: 'key', sql: 'VARCHAR', doc: 'the image\'s name in the dataset' },
  { name: 'bytes', sql: 'BIGINT', doc: 'request body bytes' },
  { name: 'intendedMs', sql: 'DOUBLE', doc: 'intended start from the schedule, ms since the session began (monotonic)' },
  { name: 'sentMs', sql: 'DOUBLE', doc: 'actual send, same clock' },
  { name: 'startedAt', sql: 'BIGINT', doc: 'wall-clock send, epoch ms' },
  { name: 'latencyMs', sql: 'DOUBLE', doc: 'send → whole response (naive latency)' },
  { name: 'correctedMs', sql: 'DOUBLE', doc: 'intended start → whole response (coordinated-omission corrected)' },
  { name: 'attempts', sql: 'INTEGER', doc: 'HTTP attempts made' },
  { name: 'ok', sql: 'BOOLEAN', doc: 'whether the request succeeded' },
  { name: 'errorCode', sql: 'VARCHAR', doc: 'error code of a failed request (else null)' },
  { name: 'modelMs', sql: 'DOUBLE', doc: 'model time the endpoint reported (inferenceMs), else null' },
  { name: 'instances', sql: 'INTEGER', doc: 'instances serving when the endpoint answered, if it says' },
  { name: 'detections', sql: 'INTEGER', doc: 'objects detected' },
];
