/**
 * One platform × batch of the study's protocol: upload every image, download it back (verifying
 * the bytes), run inference on it; one row per request and the batch row computed from them.
 * Nothing is written here: the runner appends the rows and then seals the batch.
 */
import { createHash } from 'node:crypto';
import type { ExperimentConfig, Phase } from '../config/experiment';
import { forEachLimit } from '../concurrency';
import { DatasetError, type ImageItem } from '../datasets/types';
import type { CallRecord, InferenceEndpoint, ObjectStore } from '../targets/types';
import { objectKey } from './object-keys';
import type { Step } from './plan';
import { batchMetrics } from './records';
import { type BatchRow, type RequestRow } from '../schema/records';
import { detectionCount } from '../protocol/scoring';

export interface PlatformClients {
  store: ObjectStore;
  endpoint: InferenceEndpoint;
}

export interface PhaseProgress {
  phase: Phase;
  done: number;
  total: number;
  failures: number;
  bytes: number;
}

export interface BatchContext {
  runId: string;
  config: ExperimentConfig;
  /** Monotonic origin of the session: request rows' monoStartMs count from it. */
  t0: number;
  clients: PlatformClients;
  /** Start no new request once aborted (the batch is then abandoned, unsealed). */
  stop: AbortSignal;
  /** Ends the requests in flight. */
  abort: AbortSignal;
  onProgress(p: PhaseProgress): void;
}

/** An image's bytes; a file that vanished or became unreadable since hashing is named, in words. */
async function readImage(item: ImageItem): Promise<Buffer> {
  try {
    return await item.read();
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DatasetError('UNREADABLE', `cannot read ${item.path} (${code}): the dataset changed after it was hashed?`, item.path);
  }
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A failed request, with the reason the row's errorCode abbreviates (for the run's summary). */
export interface FailedRequest {
  platform: string;
  batch: number;
  phase: Phase;
  key: string;
  errorCode: string;
  errorMessage: string;
}

export interface MeasuredBatch {
  rows: RequestRow[];
  row: BatchRow;
  /** The batch's first few failed requests. */
  failed: FailedRequest[];
}

const FAILED_EXAMPLES = 5;

/** Measures one step. Rejects (AbortError) when stopped before the batch is complete. */
export async function measureBatch(ctx: BatchContext, step: Step, items: ImageItem[]): Promise<MeasuredBatch> {
  const { config, clients, runId } = ctx;
  const rows: RequestRow[] = [];
  const failed: FailedRequest[] = [];
  const uploaded = new Map<string, { sha: string; size: number }>();
  const bytes = items.reduce((s, i) => s + i.size, 0);
  const startedAt = new Date().toISOString();
  const call = { signal: ctx.abort };
  const keyOf = (item: ImageItem) => objectKey(config.keyPrefix, runId, step.platform, step.batch, item.name);

  const record = (phase: Phase, key: string, rec: CallRecord, detections: number | null = null) => {
    rows.push({
      run: runId,
      platform: step.platform,
      batch: step.batch,
      phase,
      key,
      bytes: rec.bytes,
      startedAt: rec.startedAt,
      monoStartMs: rec.startedMono - ctx.t0,
      durationMs: rec.durationMs,
      ttfbMs: rec.ttfbMs ?? null,
      attempts: rec.attempts,
      ok: rec.ok,
      errorCode: rec.ok ? null : (rec.errorCode ?? 'Error'),
      detections,
    });
    if (!rec.ok && failed.length < FAILED_EXAMPLES) {
      failed.push({ platform: step.platform, batch: step.batch, phase, key, errorCode: rec.errorCode ?? 'Error', errorMessage: rec.errorMessage ?? '' });
    }
  };
  /** One phase over the batch's items at the phase's concurrency: each request recorded and counted in the progress. */
  const measurePhase = async (phase: Phase, one: (item: ImageItem) => Promise<{ key: string; rec: CallRecord; detections?: number | null }>) => {
    if (!config.phases.includes(phase)) return;
    const p: PhaseProgress = { phase, done: 0, total: items.length, failures: 0, bytes: 0 };
    await forEachLimit(items, config.concurrency[phase], async (item) => {
      const { key, rec, detections } = await one(item);
      record(phase, key, rec, detections ?? null);
      p.done += 1;
      if (!rec.ok) p.failures += 1;
      p.bytes += rec.bytes;
      ctx.onProgress({ ...p });
    }, ctx.stop);
  };

  await measurePhase('upload', async (item) => {
    const body = await readImage(item);
    const key = keyOf(item);
    uploaded.set(key, { sha: sha256(body), size: body.length });
    return { key, rec: await clients.store.put(key, body, body.length, call) };
  });
  await measurePhase('download', async (item) => {
    const key = keyOf(item);
    const got = await clients.store.get(key, call);
    const expected = uploaded.get(key);
    // A download that does not return exactly what was uploaded is a failed request, never silent.
    if (got.record.ok && expected && (got.body?.length !== expected.size || sha256(got.body) !== expected.sha)) {
      return { key, rec: { ...got.record, ok: false, errorCode: 'ChecksumMismatch', errorMessage: `${got.body?.length ?? 0} bytes back, not the ${expected.size} uploaded` } };
    }
    return { key, rec: got.record };
  });
  await measurePhase('inference', async (item) => {
    // Read again rather than kept from the upload: a 1024-image batch would hold ~160 MB.
    const body = await readImage(item);
    const result = await clients.endpoint.invoke(body, item.contentType, call);
    return { key: item.name, rec: result.record, detections: detectionCount(result.response) };
  });

  const metrics = batchMetrics(rows, { images: items.length, bytes });
  const row: BatchRow = {
    run: runId,
    platform: step.platform,
    batch: step.batch,
    warmup: step.batch < config.warmupBatches,
    status: metrics.failures > config.failureTolerance * metrics.requests ? 'failed' : 'ok',
    images: items.length,
    bytes,
    ...metrics,
    startedAt,
  };
  return { rows, row, failed };
}
