/**
 * The experiment engine: for each platform × batch, upload every image, download it back
 * (verifying the bytes), run inference on it; one row per request, one per batch.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ConfigError,
  configHash,
  redactSecrets,
  resolvePlatforms,
  type ExperimentConfig,
  type Phase,
} from '../config/experiment';
import type { PlatformConfig } from '../config/targets';
import { computeManifest } from '../datasets/manifest';
import { resolveDatasetSource } from '../datasets/synthetic';
import type { ImageItem } from '../datasets/types';
import { UserError } from '../errors';
import type { LocalStackConfig } from '../local/stack-types';
import { datasetCacheDir } from '../paths';
import { createInferenceEndpoint, createObjectStore } from '../targets/factory';
import type { AdapterOptions, CallRecord, InferenceEndpoint, ObjectStore } from '../targets/types';
import { forEachLimit } from '../concurrency';
import { gitCommit, hostDescription, versions, type RunManifest } from './manifest';
import { planSteps, type Step } from './plan';
import { preflight } from './preflight';
import { batchMetrics, type BatchRow, type RequestRow } from './records';
import { appendBatch, initRunFiles, newRunId, readBatches, readManifest, repairForResume, stepKey, writeManifest } from './run-store';

export type RunEvent =
  | { type: 'dataset'; stage: 'generate' | 'hash'; done: number; total: number }
  | { type: 'start'; runId: string; dir: string; platforms: string[]; batches: number; steps: number; stepsDone: number; resumed: boolean }
  | { type: 'phase'; platform: string; batch: number; phase: Phase; done: number; total: number; failures: number; bytes: number }
  | { type: 'batch'; row: BatchRow; stepsDone: number; steps: number }
  | { type: 'cleanup'; platform: string; deleted: number }
  | { type: 'warning'; message: string }
  | { type: 'end'; status: RunManifest['status'] };

export interface RunOptions {
  config: ExperimentConfig;
  /** Connection details of the local stack, for platforms written as "local:aws" / "local:azure". */
  local?: LocalStackConfig;
  /** Continue this run folder after its last complete batch. */
  resumeDir?: string;
  runId?: string;
  onEvent?: (event: RunEvent) => void;
  /** Abort to stop after the request in flight; completed batches stay on disk. */
  signal?: AbortSignal;
}

export interface RunResult {
  runId: string;
  dir: string;
  status: RunManifest['status'];
  batches: BatchRow[];
}

interface PlatformClients {
  store: ObjectStore;
  endpoint: InferenceEndpoint;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function describePlatforms(config: ExperimentConfig, clients: Record<string, PlatformClients>): RunManifest['platforms'] {
  return Object.fromEntries(
    Object.entries(clients).map(([name, c]) => [
      name,
      {
        storageKind: c.store.kind,
        storage: c.store.location,
        inferenceKind: c.endpoint.kind,
        inference: c.endpoint.location,
        local: typeof config.platforms[name] === 'string',
      },
    ]),
  );
}

function createClients(platforms: Record<string, PlatformConfig>, options: AdapterOptions): Record<string, PlatformClients> {
  const clients: Record<string, PlatformClients> = {};
  for (const [name, p] of Object.entries(platforms)) {
    for (const part of ['storage', 'inference'] as const) {
      try {
        if (part === 'storage') clients[name] = { ...clients[name], store: createObjectStore(p.storage, options) };
        else clients[name] = { ...clients[name], endpoint: createInferenceEndpoint(p.inference, options) };
      } catch (err) {
        void Promise.allSettled(Object.values(clients).flatMap((c) => [c.store?.close(), c.endpoint?.close()]));
        throw new ConfigError(`config.platforms.${name}.${part}: ${(err as Error).message}`);
      }
    }
  }
  return clients;
}

/** Runs (or resumes) an experiment and writes its run folder. */
export async function runExperiment(opts: RunOptions): Promise<RunResult> {
  const { config, signal } = opts;
  const emit = opts.onEvent ?? (() => {});
  const platforms: Record<string, PlatformConfig> = resolvePlatforms(config, opts.local);
  const platformNames = Object.keys(platforms);

  const source = await resolveDatasetSource(config.dataset, {
    cacheDir: datasetCacheDir(),
    onProgress: (done, total) => emit({ type: 'dataset', stage: 'generate', done, total }),
  });
  const items = await source.list();
  const dataset = await computeManifest(source, {
    onProgress: (done: number, total: number) => emit({ type: 'dataset', stage: 'hash', done, total }),
  });
  const available = Math.ceil(items.length / config.batchSize);
  const plannedBatches = config.batches === null ? available : Math.min(config.batches, available);
  const hash = configHash(config);
  // Clients first: a malformed connection string or URL must fail before a run folder exists.
  const clients = createClients(platforms, { timeouts: config.timeouts, retry: config.retry });

  let runId: string;
  let dir: string;
  let manifest: RunManifest;
  let done = new Set<string>();
  const sessionStart = new Date().toISOString();
  if (opts.resumeDir) {
    dir = opts.resumeDir;
    manifest = readManifest(dir);
    runId = manifest.runId;
    if (manifest.configHash !== hash) {
      throw new UserError(`cannot resume ${runId}: the config differs from the one it started with (config hash ${manifest.configHash.slice(0, 12)}… vs ${hash.slice(0, 12)}…)`);
    }
    if (manifest.dataset.sha256 !== dataset.sha256) {
      throw new UserError(`cannot resume ${runId}: the dataset differs (sha256 ${manifest.dataset.sha256.slice(0, 12)}… vs ${dataset.sha256.slice(0, 12)}…)`);
    }
    done = repairForResume(dir);
    manifest.status = 'running';
    manifest.endedAt = null;
    manifest.sessions.push({ startedAt: sessionStart, endedAt: null, stepsDone: 0 });
  } else {
    runId = opts.runId ?? newRunId();
    dir = path.resolve(config.outDir, runId);
    if (fs.existsSync(path.join(dir, 'manifest.json'))) throw new UserError(`run folder ${dir} already exists`);
    initRunFiles(dir);
    manifest = {
      schema: 1,
      runId,
      name: config.name,
      status: 'running',
      startedAt: sessionStart,
      endedAt: null,
      sessions: [{ startedAt: sessionStart, endedAt: null, stepsDone: 0 }],
      config: redactSecrets(config),
      configHash: hash,
      dataset,
      plannedBatches,
      platforms: {},
      versions: versions(),
      git: gitCommit(),
      host: hostDescription(),
    };
  }

  manifest.platforms = describePlatforms(config, clients);
  writeManifest(dir, manifest);
  const session = manifest.sessions[manifest.sessions.length - 1];

  const steps = planSteps(platformNames, plannedBatches, config.order, config.seed);
  let stepsDone = steps.filter((s) => done.has(stepKey(s.platform, s.batch))).length;
  emit({ type: 'start', runId, dir, platforms: platformNames, batches: plannedBatches, steps: steps.length, stepsDone, resumed: !!opts.resumeDir });

  const t0 = performance.now();
  const keyOf = (step: Step, item: ImageItem) =>
    `${config.keyPrefix}${runId}/${step.platform}/b${String(step.batch).padStart(5, '0')}/${item.name}`;

  let status: RunManifest['status'] = 'complete';
  try {
    for (const name of platformNames) {
      await preflight(name, clients[name], config.phases, `${config.keyPrefix}${runId}/${name}/preflight`, items[0]);
    }
    for (const step of steps) {
      if (done.has(stepKey(step.platform, step.batch))) continue;
      const batchItems = items.slice(step.batch * config.batchSize, (step.batch + 1) * config.batchSize);
      const row = await runStep(step, batchItems);
      stepsDone += 1;
      session.stepsDone += 1;
      emit({ type: 'batch', row, stepsDone, steps: steps.length });
    }
  } catch (err) {
    status = signal?.aborted ? 'interrupted' : 'failed';
    throw err;
  } finally {
    try {
      if (status === 'complete' && config.cleanup) {
        // The measurements are complete and saved: a failed cleanup is worth a warning, not a failed run.
        await cleanup().catch((err: Error) =>
          emit({ type: 'warning', message: `cleanup failed (${err.message.split('\n')[0]}); delete ${config.keyPrefix}${runId}/ by hand` }),
        );
      }
    } finally {
      session.endedAt = new Date().toISOString();
      manifest.status = status;
      manifest.endedAt = session.endedAt;
      writeManifest(dir, manifest);
      await Promise.allSettled(Object.values(clients).flatMap((c) => [c.store.close(), c.endpoint.close()]));
      emit({ type: 'end', status });
    }
  }
  return { runId, dir, status, batches: readBatches(dir) };

  async function runStep(step: Step, batchItems: ImageItem[]): Promise<BatchRow> {
    const { store, endpoint } = clients[step.platform];
    const rows: RequestRow[] = [];
    const uploaded = new Map<string, { sha: string; size: number }>();
    const bytes = batchItems.reduce((s, i) => s + i.size, 0);
    const startedAt = new Date().toISOString();
    const record = (phase: Phase, key: string, rec: CallRecord, detections: number | null = null) => {
      rows.push({
        run: runId,
        platform: step.platform,
        batch: step.batch,
        phase,
        key,
        bytes: rec.bytes,
        startedAt: rec.startedAt,
        monoStartMs: rec.startedMono - t0,
        durationMs: rec.durationMs,
        ttfbMs: rec.ttfbMs ?? null,
        attempts: rec.attempts,
        ok: rec.ok,
        errorCode: rec.ok ? null : (rec.errorCode ?? 'Error'),
        detections,
      });
    };
    const progress = (phase: Phase) => {
      let n = 0;
      let failures = 0;
      let phaseBytes = 0;
      return (ok: boolean, b: number) => {
        n += 1;
        if (!ok) failures += 1;
        phaseBytes += b;
        emit({ type: 'phase', platform: step.platform, batch: step.batch, phase, done: n, total: batchItems.length, failures, bytes: phaseBytes });
      };
    };

    if (config.phases.includes('upload')) {
      const tick = progress('upload');
      await forEachLimit(batchItems, config.concurrency.upload, async (item) => {
        const body = await item.read();
        const key = keyOf(step, item);
        uploaded.set(key, { sha: sha256(body), size: body.length });
        const rec = await store.put(key, body, body.length);
        record('upload', key, rec);
        tick(rec.ok, rec.bytes);
      }, signal);
    }
    if (config.phases.includes('download')) {
      const tick = progress('download');
      await forEachLimit(batchItems, config.concurrency.download, async (item) => {
        const key = keyOf(step, item);
        const got = await store.get(key);
        let rec = got.record;
        const expected = uploaded.get(key);
        // A download that does not return exactly what was uploaded is a failed request, never silent.
        if (rec.ok && expected && (got.body?.length !== expected.size || sha256(got.body) !== expected.sha)) {
          rec = { ...rec, ok: false, errorCode: 'ChecksumMismatch' };
        }
        record('download', key, rec);
        tick(rec.ok, rec.bytes);
      }, signal);
    }
    if (config.phases.includes('inference')) {
      const tick = progress('inference');
      await forEachLimit(batchItems, config.concurrency.inference, async (item) => {
        // Read again rather than kept from the upload: a 1024-image batch would hold ~160 MB.
        const body = await item.read();
        const result = await endpoint.invoke(body, item.contentType);
        record('inference', item.name, result.record, result.response?.detections.length ?? null);
        tick(result.record.ok, result.record.bytes);
      }, signal);
    }

    const metrics = batchMetrics(rows, { images: batchItems.length, bytes });
    const row: BatchRow = {
      run: runId,
      platform: step.platform,
      batch: step.batch,
      warmup: step.batch < config.warmupBatches,
      status: metrics.failures > config.failureTolerance * metrics.requests ? 'failed' : 'ok',
      images: batchItems.length,
      bytes,
      ...metrics,
      startedAt,
    };
    appendBatch(dir, rows, row);
    return row;
  }

  async function cleanup(): Promise<void> {
    if (!config.phases.includes('upload')) return;
    for (const name of platformNames) {
      // Only this run's own prefix: never anything else in the bucket or container.
      const prefix = `${config.keyPrefix}${runId}/${name}/`;
      const keys = await clients[name].store.list(prefix);
      const deleted = keys.length ? await clients[name].store.delete(keys.filter((k) => k.startsWith(prefix))) : 0;
      emit({ type: 'cleanup', platform: name, deleted });
    }
  }
}
