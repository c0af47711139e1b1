/**
 * N detector instances in worker threads: the `instances` knob models endpoint scaling (the study
 * autoscaled Azure between 1 and 10 instances). Each worker runs `threads` wasm threads, sized so
 * that instances × threads fits the cores (detector-threads.ts). Requests wait in a FIFO queue
 * and go to the first idle worker.
 *
 * Keeping tfjs out of the main thread also matters because its wasm runtime installs process-wide
 * `uncaughtException`/`unhandledRejection` handlers that rethrow; inside a worker they only affect
 * that worker.
 *
 * Not piscina: this pool models an endpoint's instances, and what it reports is per instance —
 * which instance served a request and how long it queued (the endpoint's response headers), each
 * instance's model load within a start deadline, and an instance that died — none of which a
 * generic task pool exposes.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Autoscaler, type AutoscalePolicy } from './autoscale-policy';
import { ImageDecodeError, type DetectionResult, type DetectorOptions } from './detector';
import { detectorThreadsFromEnv, planDetectorThreads, type DetectorThreadsSetting } from './detector-threads';

export interface InferencePoolOptions extends Omit<DetectorOptions, 'threads'> {
  /** Worker threads, each with its own model copy (~200 MB RSS). Default 1. */
  instances?: number;
  /** Wasm threads per instance, capped so the most instances × threads fit the cores. Default: CLOUDBENCH_DETECTOR_THREADS, else 'auto'. */
  threads?: DetectorThreadsSetting;
  /** Give up if a worker has not loaded its model by then. Default 60 s. */
  startTimeoutMs?: number;
  /** Scale between min and max instances with demand (`instances` is then ignored); absent: fixed. */
  autoscale?: AutoscalePolicy;
}

export interface PooledDetectionResult extends DetectionResult {
  /** Which instance (0-based) served the request. */
  instance: number;
  /** Time spent waiting for a free instance, milliseconds. */
  queueMs: number;
  /** Instances serving when the request finished. */
  instances: number;
}

/** A change of the serving instance count: ms since the pool started, and the new count. */
export interface InstanceChange {
  t: number;
  at: string;
  instances: number;
}

export interface InferencePoolStats {
  instances: number;
  alive: number;
  /** Instances decided on but not serving yet (provisioning or loading the model). */
  provisioning: number;
  busy: number;
  queued: number;
  /** Requests completed per instance. */
  served: number[];
  /** Every change of the serving count since the pool started. */
  timeline: InstanceChange[];
  autoscale: AutoscalePolicy | null;
}

export interface InferencePool {
  /** Instances serving now. */
  readonly instances: number;
  readonly model: string;
  /** Wasm threads per instance, as the first instance reported it. */
  readonly threads: number;
  /** `signal`: the caller gave up (its client hung up); a request still queued is then dropped, not run. */
  detect(image: Buffer, signal?: AbortSignal): Promise<PooledDetectionResult>;
  stats(): InferencePoolStats;
  /** Rejects queued and in-flight requests and terminates every worker. Idempotent. */
  close(): Promise<void>;
}

export type InferencePoolErrorCode = 'StartFailed' | 'PoolClosed' | 'WorkerCrashed' | 'NoWorkers' | 'Cancelled';

export class InferencePoolError extends Error {
  override readonly name = 'InferencePoolError';
  constructor(
    message: string,
    readonly code: InferencePoolErrorCode,
  ) {
    super(message);
  }
}

// ---- messages between pool and worker (inference-worker.ts) ----
export interface InferenceWorkerData {
  detector: DetectorOptions;
}
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}
export type WorkerRequest = { type: 'detect'; id: number; image: Uint8Array };
export type WorkerReply =
  | { type: 'ready'; model: string; threads: number }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; result: DetectionResult }
  | { type: 'error'; id: number; error: SerializedError };

interface Job {
  id: number;
  image: Buffer;
  enqueuedAt: number;
  startedAt?: number;
  resolve(r: PooledDetectionResult): void;
  reject(e: Error): void;
}

interface Slot {
  index: number;
  /** Added by the autoscaler and not serving yet. */
  provisioning?: boolean;
  worker?: Worker;
  ready: boolean;
  job?: Job;
  served: number;
  /** Set once a replacement failed to start: the slot stays empty. */
  dead: boolean;
}

/** Rebuild the error class across the thread boundary (structured clone drops custom classes). */
function revive(e: SerializedError): Error {
  if (e.name === 'ImageDecodeError') return new ImageDecodeError(e.message, e.code === 'ImageTooLarge' ? 'ImageTooLarge' : 'InvalidImage');
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code) Object.assign(err, { code: e.code });
  return err;
}

/**
 * Workers must run TypeScript when we do: an eval'd bootstrap registers tsx's CommonJS hook and
 * then requires the worker file by absolute path (robust whatever flags started the parent).
 */
function spawnWorker(data: InferenceWorkerData): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `inference-worker${ext}`);
  if (ext === '.ts') {
    const tsx = require.resolve('tsx/cjs/api');
    const bootstrap = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
    return new Worker(bootstrap, { eval: true, workerData: data });
  }
  return new Worker(file, { workerData: data });
}

export async function createInferencePool(opts: InferencePoolOptions = {}): Promise<InferencePool> {
  const { instances: _i, startTimeoutMs = 60_000, autoscale, threads: setting = detectorThreadsFromEnv(), ...detector } = opts;
  // Autoscaled: at least one instance at start, so a model that cannot load fails now, not at the first request.
  const instances = autoscale ? Math.max(1, autoscale.min) : (opts.instances ?? 1);
  if (!Number.isInteger(instances) || instances < 1) throw new RangeError(`instances must be a positive integer, got ${instances}`);
  const data: InferenceWorkerData = { detector: { ...detector, threads: planDetectorThreads(setting, autoscale?.max ?? instances).threads } };

  const slots: Slot[] = Array.from({ length: instances }, (_, index) => ({ index, ready: false, served: 0, dead: false }));
  let nextIndex = instances;
  const born = performance.now();
  const timeline: InstanceChange[] = [];
  const serving = () => slots.filter((s) => s.ready).length;
  const noteCount = () => {
    const n = serving();
    if (timeline.length === 0 || timeline[timeline.length - 1].instances !== n) {
      timeline.push({ t: performance.now() - born, at: new Date().toISOString(), instances: n });
    }
  };
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;
  let closing: Promise<void> | undefined;
  let model = '';
  let threads = 0;

  /** Starts a worker in a slot; resolves when its model is loaded. */
  function start(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = spawnWorker(data);
      slot.worker = worker;
      slot.ready = false;
      let settled = false;
      let wasReady = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(new InferencePoolError(`instance ${slot.index} did not load the model within ${startTimeoutMs} ms`, 'StartFailed')),
        startTimeoutMs,
      );
      // A pool closed while this worker loads removes its listeners: the deadline must not keep the process alive.
      timer.unref();

      worker.on('message', (msg: WorkerReply) => {
        switch (msg.type) {
          case 'ready':
            model = msg.model;
            threads = msg.threads;
            slot.ready = true;
            slot.provisioning = false;
            wasReady = true;
            noteCount();
            settle();
            pump();
            break;
          case 'init-error':
            settle(new InferencePoolError(`instance ${slot.index} failed to load the model: ${msg.error.message}`, 'StartFailed'));
            break;
          case 'result':
          case 'error': {
            const job = slot.job;
            if (!job || job.id !== msg.id) break;
            slot.job = undefined;
            if (msg.type === 'result') {
              slot.served++;
              job.resolve({ ...msg.result, instance: slot.index, queueMs: (job.startedAt ?? job.enqueuedAt) - job.enqueuedAt, instances: serving() });
            } else {
              job.reject(revive(msg.error));
            }
            pump();
            break;
          }
        }
      });
      worker.on('error', (err) => {
        // An uncaught exception inside the worker; 'exit' follows and does the bookkeeping.
        settle(new InferencePoolError(`instance ${slot.index} crashed while starting: ${err.message}`, 'StartFailed'));
        slot.job?.reject(new InferencePoolError(`instance ${slot.index} crashed: ${err.message}`, 'WorkerCrashed'));
        slot.job = undefined;
      });
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        slot.worker = undefined;
        slot.ready = false;
        noteCount();
        settle(new InferencePoolError(`instance ${slot.index} exited with code ${code} while starting`, 'StartFailed'));
        slot.job?.reject(new InferencePoolError(`instance ${slot.index} exited with code ${code}`, 'WorkerCrashed'));
        slot.job = undefined;
        // Only a worker that had served can be replaced; one that failed to start stays down.
        if (!closed && wasReady) replace(slot);
      });
    });
  }

  /** After a crash, bring the instance back once; a failed restart retires the slot. */
  function replace(slot: Slot): void {
    start(slot).catch(() => {
      slot.dead = true;
      void slot.worker?.terminate();
      // Autoscaled, a dead slot is dropped, so the scaler sees the capacity is gone and adds an instance.
      if (scaler) {
        slots.splice(slots.indexOf(slot), 1);
        noteCount();
        rescale();
        return;
      }
      if (slots.every((s) => s.dead)) {
        for (const job of queue.splice(0)) job.reject(new InferencePoolError('no inference instance is alive', 'NoWorkers'));
      }
    });
  }

  const scaler = autoscale ? new Autoscaler(autoscale) : null;
  const provisioningTimers = new Set<NodeJS.Timeout>();
  /** Adds instances that serve after the provisioning delay and their own model load. */
  function scaleOut(n: number): void {
    for (let i = 0; i < n; i++) {
      const slot: Slot = { index: nextIndex++, ready: false, served: 0, dead: false, provisioning: true };
      slots.push(slot);
      // Referenced, unlike the control tick: a request may be waiting for this instance.
      const timer = setTimeout(() => {
        provisioningTimers.delete(timer);
        if (closed) return;
        start(slot).catch(() => {
          // A new instance that cannot load the model is dropped; with none serving, waiting requests fail.
          void slot.worker?.terminate();
          slots.splice(slots.indexOf(slot), 1);
          if (serving() === 0 && !slots.some((s) => s.provisioning)) {
            for (const job of queue.splice(0)) job.reject(new InferencePoolError('no inference instance could start', 'NoWorkers'));
          }
        });
      }, autoscale!.provisionMs);
      provisioningTimers.add(timer);
    }
  }
  /** Retires one idle serving instance (the newest), if there is one. */
  function scaleIn(): void {
    // Never below the minimum of serving instances (one still provisioning does not serve yet).
    if (serving() <= (autoscale?.min ?? 0)) return;
    const slot = [...slots].reverse().find((s) => s.ready && !s.job);
    if (!slot) return;
    const w = slot.worker;
    slot.worker = undefined;
    slot.ready = false;
    slots.splice(slots.indexOf(slot), 1);
    noteCount();
    if (w) {
      w.removeAllListeners();
      w.on('error', () => {});
      void w.terminate();
    }
  }
  function rescale(): void {
    if (!scaler || closed) return;
    const inFlight = queue.length + slots.filter((s) => s.job).length;
    const action = scaler.decide(performance.now(), inFlight, slots.length);
    if (action && 'add' in action) scaleOut(action.add);
    else if (action) scaleIn();
  }
  const control = scaler ? setInterval(rescale, 100) : undefined;
  control?.unref();

  function pump(): void {
    while (queue.length > 0) {
      const slot = slots.find((s) => s.ready && !s.job && s.worker);
      if (!slot) return;
      const job = queue.shift()!;
      job.startedAt = performance.now();
      slot.job = job;
      const msg: WorkerRequest = { type: 'detect', id: job.id, image: job.image };
      slot.worker!.postMessage(msg);
    }
  }

  async function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      if (control) clearInterval(control);
      for (const t of provisioningTimers) clearTimeout(t);
      const err = () => new InferencePoolError('the inference pool is closed', 'PoolClosed');
      for (const job of queue.splice(0)) job.reject(err());
      await Promise.all(
        slots.map(async (slot) => {
          slot.job?.reject(err());
          slot.job = undefined;
          slot.ready = false;
          const w = slot.worker;
          slot.worker = undefined;
          if (w) {
            w.removeAllListeners();
            w.on('error', () => {}); // a late error during termination must not become uncaught
            await w.terminate();
          }
        }),
      );
    })();
    return closing;
  }

  try {
    await Promise.all(slots.map(start));
  } catch (err) {
    await close();
    throw err;
  }

  return {
    get instances() {
      return serving();
    },
    get model() {
      return model;
    },
    get threads() {
      return threads;
    },
    detect(image: Buffer, signal?: AbortSignal): Promise<PooledDetectionResult> {
      if (closed) return Promise.reject(new InferencePoolError('the inference pool is closed', 'PoolClosed'));
      if (!scaler && slots.every((s) => s.dead)) return Promise.reject(new InferencePoolError('no inference instance is alive', 'NoWorkers'));
      return new Promise((resolve, reject) => {
        const job: Job = { id: nextId++, image, enqueuedAt: performance.now(), resolve, reject };
        // An abandoned request must not keep an instance busy for the next client: drop it while it queues.
        signal?.addEventListener(
          'abort',
          () => {
            const i = queue.indexOf(job);
            if (i >= 0) {
              queue.splice(i, 1);
              reject(new InferencePoolError('the client gave up before an instance was free', 'Cancelled'));
            }
          },
          { once: true },
        );
        queue.push(job);
        pump();
        rescale(); // scale out on arrival, not a tick later
      });
    },
    stats(): InferencePoolStats {
      return {
        instances: serving(),
        alive: serving(),
        provisioning: slots.filter((s) => s.provisioning).length,
        busy: slots.filter((s) => s.job).length,
        queued: queue.length,
        served: slots.map((s) => s.served),
        timeline: [...timeline],
        autoscale: autoscale ?? null,
      };
    },
    close,
  };
}
