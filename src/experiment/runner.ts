/**
 * The experiment engine: runs (or resumes) the study's protocol on every platform of a config,
 * batch by batch (batch-step.ts), and keeps its run folder honest (run-store.ts): a batch counts
 * once its request rows are on disk and its batch row seals them; a write error, an interrupt or a
 * failed platform stops the run with the manifest saying so, resumable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigError, configHash, redactSecrets, type ExperimentConfig, type Phase } from '../config/experiment';
import type { PlatformConfig } from '../config/targets';
import { computeManifest } from '../datasets/manifest';
import { resolveDatasetSource } from '../datasets/resolve';
import { ensureWritableDir, WriteError } from '../durable-files';
import { isUserFacing, UserError } from '../errors';
import type { LocalStackConfig } from '../local/stack-types';
import { datasetCacheDir } from '../paths';
import { createInferenceEndpoint, createObjectStore } from '../targets/factory';
import type { AdapterOptions } from '../targets/types';
import { measureBatch, type FailedRequest, type PlatformClients } from './batch-step';
import { watchInterrupts, type InterruptStage, type Interrupts } from './interrupts';
import { runLoadScenario, type LoadEvent } from './load/load-scenario';
import { repairLoadForResume } from './load/load-store';
import type { LoadStepRow } from '../schema/load-records';
import { gitCommit, hostDescription, versions, type RunManifest } from './manifest';
import { platformPrefix } from './object-keys';
import { checkPlan, planSteps } from './plan';
import { resolvePlatforms } from './platforms';
import { describeClient, ownsBatch, shardRunId, waitForStart, warmupBatchesOf, type ShardSpec } from './shard';
import { preflight } from './preflight';
import { type BatchRow } from '../schema/records';
import { RunSealing } from './request-store/run-sealing';
import { appendBatch, FILES, initRunFiles, newRunId, readManifest, readSealedBatchRows, repairForResume, stepKey, writeManifest } from './run-store';

export type RunEvent =
  | { type: 'dataset'; stage: 'generate' | 'hash'; done: number; total: number }
  | { type: 'start'; runId: string; dir: string; platforms: string[]; batches: number; steps: number; stepsDone: number; resumed: boolean; shard?: ShardSpec }
  | { type: 'phase'; platform: string; batch: number; phase: Phase; done: number; total: number; failures: number; bytes: number }
  | { type: 'batch'; row: BatchRow; stepsDone: number; steps: number }
  | { type: 'cleanup'; platform: string; deleted: number }
  | { type: 'interrupt'; stage: InterruptStage }
  | { type: 'warning'; message: string }
  | { type: 'shard-wait'; startAt: string; ms: number }
  | { type: 'end'; status: RunManifest['status'] }
  | LoadEvent;

export interface RunOptions {
  config: ExperimentConfig;
  /** Connection details of the local stack, for platforms written as "local:aws" / "local:azure" / "local:gcp". */
  local?: LocalStackConfig;
  /** Continue this run folder after its last complete batch. */
  resumeDir?: string;
  runId?: string;
  onEvent?: (event: RunEvent) => void;
  /** Abort to stop after the requests in flight (like a first Ctrl-C); completed batches stay on disk. */
  signal?: AbortSignal;
  /** Abort to end the requests in flight too (like a second Ctrl-C). */
  abortSignal?: AbortSignal;
  /** Stop cleanly on SIGINT/SIGTERM (Ctrl-C, a Jupyter kernel interrupt) while the run lasts. Default true. */
  handleSignals?: boolean;
  /** Measure shard `index` of `count` (shard.ts); the run id is then shardRunId(group, …). A resumed run keeps its own shard. */
  shard?: ShardSpec & { group: string };
  /** Begin measuring at this instant (after the preflight), every time counting from it: the shards' shared start. */
  startAt?: Date;
}

/** A shard that begins more than this after the shared start says so (its lag is recorded whatever it is). */
const LATE_START_MS = 250;

export interface RunResult {
  runId: string;
  dir: string;
  status: RunManifest['status'];
  batches: BatchRow[];
  /** Sealed steps of the load scenario ([] when the config has none). */
  loadSteps: LoadStepRow[];
  /** Failed requests of this session: how many, and the first few with their reasons. */
  failures: { count: number; examples: FailedRequest[] };
}

/** A run that stopped before its last batch (interrupt, write error, platform failure); its folder is resumable. */
export class RunStoppedError extends UserError {
  override name = 'RunStoppedError';
  constructor(
    message: string,
    readonly runId: string,
    readonly dir: string,
    readonly status: 'interrupted' | 'failed',
  ) {
    super(message);
  }
}

const FAILURE_EXAMPLES = 10;

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
  const emit = opts.onEvent ?? (() => {});
  const interrupts = watchInterrupts({ ...opts, onInterrupt: (stage) => emit({ type: 'interrupt', stage }) });
  try {
    return await runSession(opts, emit, interrupts);
  } finally {
    interrupts.dispose();
  }
}

async function runSession(o: RunOptions, emitEvent: (e: RunEvent) => void, { stop, abort }: Pick<Interrupts, 'stop' | 'abort'>): Promise<RunResult> {
  const { config } = o;
  const platforms: Record<string, PlatformConfig> = resolvePlatforms(config, o.local);
  const platformNames = Object.keys(platforms);
  // Checked before the slow dataset work: an output folder that cannot be written fails at once.
  if (!o.resumeDir) ensureWritableDir(config.outDir, 'outDir');

  const stoppedEarly = () => new UserError('interrupted before the first batch: nothing was measured');
  const source = await resolveDatasetSource(config.dataset, {
    cacheDir: datasetCacheDir(),
    onProgress: (done, total) => emitEvent({ type: 'dataset', stage: 'generate', done, total }),
    signal: stop,
  }).catch((err) => Promise.reject(stop.aborted ? stoppedEarly() : err));
  const items = await source.list();
  const dataset = await computeManifest(source, {
    onProgress: (done, total) => emitEvent({ type: 'dataset', stage: 'hash', done, total }),
    signal: stop,
  }).catch((err) => Promise.reject(stop.aborted ? stoppedEarly() : err));
  const plan = checkPlan(config, items.length);
  if (o.shard && warmupBatchesOf(config.warmupBatches, o.shard) >= plan.plannedBatches) {
    throw new UserError(
      `each of the ${o.shard.count} shards warms up on its own first ${config.warmupBatches} batch${config.warmupBatches > 1 ? 'es' : ''}, which leaves none of the ${plan.plannedBatches} to measure: lower warmupBatches or run more batches`,
    );
  }
  const hash = configHash(config);
  // Clients first: a malformed connection string or URL must fail before a run folder exists.
  const clients = createClients(platforms, { timeouts: config.timeouts, retry: config.retry });

  let runId: string;
  let dir: string;
  let manifest: RunManifest;
  let done = new Set<string>();
  let loadSealed: LoadStepRow[] = [];
  const sessionStart = new Date().toISOString();
  // The local detector's threads per instance set its latencies; a resume may run with others.
  const thisSession: RunManifest['sessions'][number] = {
    startedAt: sessionStart, endedAt: null, stepsDone: 0, timeouts: config.timeouts, retry: config.retry,
    ...(o.local?.detector ? { localDetector: o.local.detector } : {}),
  };
  try {
    if (o.resumeDir) {
      dir = o.resumeDir;
      manifest = readManifest(dir);
      runId = manifest.runId;
      if (manifest.configHash !== hash) {
        throw new UserError(`cannot resume ${runId}: the config differs from the one it started with (config hash ${manifest.configHash.slice(0, 12)}… vs ${hash.slice(0, 12)}…)`);
      }
      if (manifest.dataset.sha256 !== dataset.sha256) {
        throw new UserError(`cannot resume ${runId}: the dataset differs (sha256 ${manifest.dataset.sha256.slice(0, 12)}… vs ${dataset.sha256.slice(0, 12)}…)`);
      }
      if (o.shard && (manifest.shard?.index !== o.shard.index || manifest.shard?.count !== o.shard.count)) {
        throw new UserError(`cannot resume ${runId} as shard ${o.shard.index}/${o.shard.count}: it is ${manifest.shard ? `shard ${manifest.shard.index}/${manifest.shard.count}` : 'not a shard'} (leave out --shard to resume it as it was)`);
      }
      const repair = repairForResume(dir, manifest);
      done = repair.done;
      loadSealed = repairLoadForResume(dir, runId);
      for (const d of repair.dropped) emitEvent({ type: 'warning', message: `measured again: ${d}` });
      manifest.status = 'running';
      manifest.endedAt = null;
      manifest.sessions.push(thisSession);
    } else {
      runId = o.shard ? shardRunId(o.shard.group, o.shard) : (o.runId ?? newRunId());
      dir = path.resolve(config.outDir, runId);
      if (fs.existsSync(path.join(dir, FILES.manifest))) throw new UserError(`run folder ${dir} already exists`);
      initRunFiles(dir);
      manifest = {
        schema: 1,
        runId,
        name: config.name,
        status: 'running',
        startedAt: sessionStart,
        endedAt: null,
        sessions: [thisSession],
        config: redactSecrets(config),
        configHash: hash,
        dataset,
        plannedBatches: plan.plannedBatches,
        platforms: {},
        versions: versions(),
        git: gitCommit(),
        host: hostDescription(),
        ...(o.shard
          ? { shard: { index: o.shard.index, count: o.shard.count, group: o.shard.group, startAt: o.startAt?.toISOString() ?? null, lagMs: null, ...describeClient() } }
          : {}),
      };
    }
    manifest.platforms = describePlatforms(config, clients);
    writeManifest(dir, manifest);
  } catch (err) {
    await Promise.allSettled(Object.values(clients).flatMap((c) => [c.store.close(), c.endpoint.close()]));
    throw err;
  }
  for (const w of plan.warnings) emitEvent({ type: 'warning', message: w });
  const session = manifest.sessions[manifest.sessions.length - 1];
  const sealing = await RunSealing.start(dir, runId, !!o.resumeDir, (message) => emitEvent({ type: 'warning', message }));

  // A shard measures its own batches, in the order the whole run would (shard.ts).
  const shard = manifest.shard;
  const steps = planSteps(platformNames, plan.plannedBatches, config.order, config.seed).filter((s) => ownsBatch(shard, s.batch));
  const batchConfig = shard ? { ...config, warmupBatches: warmupBatchesOf(config.warmupBatches, shard) } : config;
  if (shard && shard.count > 1 && config.load && !o.startAt && !o.resumeDir) {
    emitEvent({ type: 'warning', message: 'without --start-at the shards\' load steps do not line up in time (their rates would not add up at the endpoint): give every shard the same --start-at' });
  }
  let stepsDone = steps.filter((s) => done.has(stepKey(s.platform, s.batch))).length;
  emitEvent({ type: 'start', runId, dir, platforms: platformNames, batches: plan.plannedBatches, steps: steps.length, stepsDone, resumed: !!o.resumeDir, ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}) });

  let t0 = performance.now();
  const failures = { count: 0, examples: [] as FailedRequest[] };
  let status: RunManifest['status'] = 'complete';
  let stopError: RunStoppedError | undefined;
  let measuring = false;
  let manifestError: string | undefined;
  const stopped = (why: 'interrupted' | 'failed', cause: string) =>
    new RunStoppedError(
      `run ${runId} ${why === 'interrupted' ? 'interrupted' : 'stopped'}${cause ? `: ${cause}` : ''}; ` +
        `${stepsDone} of ${steps.length} platform-batches are saved in ${dir}`,
      runId,
      dir,
      why,
    );
  try {
    for (const name of platformNames) {
      if (stop.aborted) break;
      // Not measured: the first Ctrl-C ends it at once.
    await preflight(name, clients[name], config.phases, `${platformPrefix(config.keyPrefix, runId, name)}preflight`, stop);
    }
    // The shared start: every shard's clock counts from the same instant (a resumed shard does not wait again).
    if (o.startAt && !o.resumeDir && !stop.aborted) {
      const started = await waitForStart(o.startAt, stop, (ms) => emitEvent({ type: 'shard-wait', startAt: o.startAt!.toISOString(), ms }));
      t0 = started.originMono;
      if (manifest.shard) {
        manifest.shard.lagMs = Math.round(started.lagMs);
        writeManifest(dir, manifest);
      }
      if (started.lagMs > LATE_START_MS) {
        emitEvent({ type: 'warning', message: `started ${(started.lagMs / 1000).toFixed(1)} s after the shared start ${o.startAt.toISOString()} (recorded in the manifest as lagMs)` });
      }
    }
    measuring = true;
    // Sharded with a shared start: the load scenario first, on the shards' common timetable from
    // that start (the one instant all shards are known to share), then the batches.
    const loadFirst = Boolean(shard && o.startAt);
    const runLoad = async () => {
      if (!config.load || stop.aborted) return;
      loadSealed = await runLoadScenario({
        runId, dir, load: config.load, seed: config.seed, items, sealed: loadSealed, t0, stop, abort, shard, timetable: loadFirst,
        endpoints: Object.fromEntries(platformNames.map((n) => [n, clients[n].endpoint])),
        emit: emitEvent,
        warn: (message) => emitEvent({ type: 'warning', message }),
      });
    };
    if (loadFirst) await runLoad();
    for (const step of steps) {
      if (stop.aborted) break;
      if (done.has(stepKey(step.platform, step.batch))) continue;
      const batchItems = items.slice(step.batch * config.batchSize, (step.batch + 1) * config.batchSize);
      const measured = await measureBatch(
        {
          runId, config: batchConfig, t0, clients: clients[step.platform], stop, abort,
          onProgress: (p) => emitEvent({ type: 'phase', platform: step.platform, batch: step.batch, ...p }),
        },
        step,
        batchItems,
      );
      appendBatch(dir, measured.rows, measured.row);
      await sealing.sealStep(step.platform, step.batch, measured.rows);
      failures.count += measured.row.failures;
      failures.examples.push(...measured.failed.slice(0, FAILURE_EXAMPLES - failures.examples.length));
      stepsDone += 1;
      session.stepsDone += 1;
      emitEvent({ type: 'batch', row: measured.row, stepsDone, steps: steps.length });
    }
    if (!loadFirst) await runLoad();
    if (stop.aborted) {
      status = 'interrupted';
      stopError = stopped('interrupted', '');
    }
  } catch (err) {
    if (stop.aborted && !(err instanceof WriteError)) {
      status = 'interrupted';
      stopError = stopped('interrupted', '');
    } else {
      status = 'failed';
      // Something the user can fix (a full disk, a dataset file gone): say so and how to go on.
      // A preflight failure stays as it is: nothing was measured.
      if (err instanceof WriteError || (measuring && isUserFacing(err))) stopError = stopped('failed', (err as Error).message);
      else throw err;
    }
  } finally {
    await finish();
  }
  if (stopError) throw stopError;
  if (manifestError) {
    throw new UserError(`run ${runId}: every batch is saved, but the manifest could not record the run's end (${manifestError}); it still says "running"`);
  }
  return { runId, dir, status, batches: readSealedBatchRows(dir), loadSteps: loadSealed, failures };

  async function finish(): Promise<void> {
    try {
      if (status === 'complete' && config.cleanup) {
        // The measurements are complete and saved: a failed or interrupted cleanup is worth a
        // warning, not a failed run. A Ctrl-C ends it at once (it can take minutes on a big run).
        await cleanup().catch((err: Error) =>
          emitEvent({
            type: 'warning',
            message: `cleanup ${stop.aborted ? 'interrupted' : `failed (${cleanupReason(err)})`}; delete ${config.keyPrefix}${runId}/ by hand`,
          }),
        );
      }
    } finally {
      await sealing.finish();
      session.endedAt = new Date().toISOString();
      manifest.status = status;
      manifest.endedAt = session.endedAt;
      try {
        writeManifest(dir, manifest);
      } catch (err) {
        // Said after any first error, which it must not hide; alone it fails the command.
        manifestError = (err as Error).message;
        emitEvent({ type: 'warning', message: `the manifest could not record the run's end: ${manifestError}` });
      }
      await Promise.allSettled(Object.values(clients).flatMap((c) => [c.store.close(), c.endpoint.close()]));
      emitEvent({ type: 'end', status });
    }
  }

  async function cleanup(): Promise<void> {
    if (!config.phases.includes('upload')) return;
    for (const name of platformNames) {
      // Only this run's own prefix: never anything else in the bucket or container.
      stop.throwIfAborted();
      const prefix = platformPrefix(config.keyPrefix, runId, name);
      const keys = await clients[name].store.list(prefix, { signal: stop });
      const deleted = keys.length ? await clients[name].store.delete(keys.filter((k) => k.startsWith(prefix)), { signal: stop }) : 0;
      emitEvent({ type: 'cleanup', platform: name, deleted });
    }
  }
}

/** Why a cleanup failed, in one line: the SDK's error name and message, and the HTTP status when there is one. */
function cleanupReason(err: Error & { $metadata?: { httpStatusCode?: number }; statusCode?: number; code?: string }): string {
  const status = err.$metadata?.httpStatusCode ?? err.statusCode;
  const name = err.code ?? err.name;
  const message = (err.message || '(no message)').split('\n')[0];
  return `${name && name !== 'Error' ? `${name}: ` : ''}${message}${status ? ` (HTTP ${status})` : ''}`;
}
