/** The study's per-batch metrics, computed from a batch's request rows. */
import type { Phase } from '../schema/phases';
import { MIB, type BatchRow, type RequestRow } from '../schema/records';

/** Wall time of one phase from its request rows, seconds; null when the phase has no rows. */
export function phaseSeconds(rows: RequestRow[], phase: Phase): number | null {
  let start = Infinity;
  let end = -Infinity;
  for (const r of rows) {
    if (r.phase !== phase) continue;
    start = Math.min(start, r.monoStartMs);
    end = Math.max(end, r.monoStartMs + r.durationMs);
  }
  return start === Infinity ? null : (end - start) / 1000;
}

/** The study's per-batch metrics from the batch's request rows. */
export function batchMetrics(
  rows: RequestRow[],
  batch: { images: number; bytes: number },
): Pick<BatchRow, 'mib' | 'uploadS' | 'downloadS' | 'inferenceS' | 'uploadSPerMiB' | 'downloadSPerMiB' | 'inferenceSPerMiB' | 'throughputMiBps' | 'requests' | 'failures' | 'retried'> {
  const mib = batch.bytes / MIB;
  const uploadS = phaseSeconds(rows, 'upload');
  const downloadS = phaseSeconds(rows, 'download');
  const inferenceS = phaseSeconds(rows, 'inference');
  const perMiB = (s: number | null) => (s === null || mib === 0 ? null : s / mib);
  return {
    mib,
    uploadS,
    downloadS,
    inferenceS,
    uploadSPerMiB: perMiB(uploadS),
    downloadSPerMiB: perMiB(downloadS),
    inferenceSPerMiB: perMiB(inferenceS),
    throughputMiBps: downloadS !== null && inferenceS !== null && downloadS + inferenceS > 0 ? mib / (downloadS + inferenceS) : null,
    requests: rows.length,
    failures: rows.filter((r) => !r.ok).length,
    retried: rows.filter((r) => r.attempts > 1).length,
  };
}
