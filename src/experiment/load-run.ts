/** Reads a run folder into danfojs DataFrames (and plain rows, for code that wants arrays). */
import type { LoadStepRow } from '../schema/load-records';
import type { DataFrame } from 'danfojs-node';
import type { RunManifest } from './manifest';
import { BATCH_COLUMNS, type BatchRow, type RequestRow } from '../schema/records';
import type { ReadRunOptions } from './run-store';
import { readRun, type RequestStoreKind } from './run-reader';

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  /**
   * One row per platform × batch. Columns: run, platform, batch, warmup, status, images, bytes,
   * mib (MiB = 2^20 bytes), uploadS, downloadS, inferenceS (phase wall time, s),
   * uploadSPerMiB, downloadSPerMiB, inferenceSPerMiB (s/MiB), throughputMiBps
   * (MiB / (downloadS + inferenceS)), requests, failures, retried, startedAt (ISO 8601).
   */
  batches: DataFrame;
  /**
   * One row per request. Columns: run, platform, batch, phase (upload|download|inference), key,
   * bytes, startedAt (epoch ms), monoStartMs (monotonic ms since the session began), durationMs,
   * ttfbMs (downloads), attempts, ok, errorCode, detections (inference).
   */
  requests: DataFrame;
  batchRows: BatchRow[];
  requestRows: RequestRow[];
  /** What reading the folder left out, in words (see readRun). */
  notes: string[];
  /** Which of the folder's request stores was read: the columnar files (requests/) or requests.jsonl. */
  store: RequestStoreKind;
  /** Sealed steps of the load scenario, one per platform × rate ([] when the run had none); its request rows stay on disk (load-requests.jsonl, load/). */
  loadSteps: LoadStepRow[];
}

let danfo: typeof import('danfojs-node') | undefined;
/** danfojs-node takes seconds to load (it brings TensorFlow.js), so only code that needs it pays. */
function loadDanfo(): typeof import('danfojs-node') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  danfo ??= require('danfojs-node') as typeof import('danfojs-node');
  return danfo;
}

export function toDataFrame(rows: object[], columns: string[]): DataFrame {
  const dfd = loadDanfo();
  // An empty run still gets its columns, so code can select them without special cases.
  return rows.length ? new dfd.DataFrame(rows, { columns }) : new dfd.DataFrame([], { columns });
}

const REQUEST_COLUMNS: (keyof RequestRow)[] = [
  'run', 'platform', 'batch', 'phase', 'key', 'bytes', 'startedAt', 'monoStartMs', 'durationMs', 'ttfbMs',
  'attempts', 'ok', 'errorCode', 'detections',
];

/** Reads a run folder (the columnar store when sealed, else requests.jsonl), checked: a folder whose files do not add up is refused unless `invalid: 'exclude'`. */
export async function loadRun(dir: string, opts: ReadRunOptions = {}): Promise<LoadedRun> {
  const { dir: abs, manifest, batchRows, requestRows, notes, store, loadSteps } = await readRun(dir, opts);
  const batchColumns = [...BATCH_COLUMNS] as string[];
  return {
    dir: abs,
    manifest,
    batches: toDataFrame(batchRows, batchColumns),
    requests: toDataFrame(requestRows, REQUEST_COLUMNS),
    batchRows,
    requestRows,
    notes,
    store,
    loadSteps,
  };
}
