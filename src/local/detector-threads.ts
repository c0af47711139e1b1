/**
 * How many wasm threads each detector instance runs. One image's convolutions split across threads
 * (2 threads: ~0.65× the time per image, identical outputs), but instances × threads must never
 * exceed the cores: threads waiting for a core hold up the whole image, and the latencies the
 * stack reports would then measure the oversubscription, not the endpoint.
 * Set with CLOUDBENCH_DETECTOR_THREADS (or the stack's `detectorThreads`): a count, or `auto`.
 */
import os from 'node:os';
import { UserError } from '../errors';

export const DETECTOR_THREADS_ENV = 'CLOUDBENCH_DETECTOR_THREADS';
/** The threaded wasm build's own limit (its C side caps the pool at 8). */
export const MAX_DETECTOR_THREADS = 8;

export type DetectorThreadsSetting = number | 'auto';

export interface DetectorThreadPlan {
  /** Threads per instance. */
  threads: number;
  /** Logical cores the plan divided (os.availableParallelism()). */
  cores: number;
  /** The most instances that can run at once (the autoscaling maximum, or the fixed count). */
  instances: number;
  /** Set when an explicit count was lowered to fit the cores: a sentence saying so. */
  note?: string;
}

/** `auto` or a whole number 1..8; anything else is a UserError naming where it came from. */
export function parseDetectorThreads(text: string, source = DETECTOR_THREADS_ENV): DetectorThreadsSetting {
  const t = text.trim().toLowerCase();
  if (t === 'auto') return 'auto';
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!(n >= 1 && n <= MAX_DETECTOR_THREADS)) {
    throw new UserError(`${source} must be a whole number from 1 to ${MAX_DETECTOR_THREADS}, or auto; got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The setting from the environment (absent: auto). */
export function detectorThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): DetectorThreadsSetting {
  const v = env[DETECTOR_THREADS_ENV];
  return v === undefined ? 'auto' : parseDetectorThreads(v);
}

/**
 * Threads per instance: `auto` gives each of the `instances` an equal share of the cores; an
 * explicit count is lowered to that share (never raised). At least 1: instances beyond the cores
 * are the caller's explicit choice, and each still needs its own thread.
 */
export function planDetectorThreads(setting: DetectorThreadsSetting, instances: number, cores = availableCores()): DetectorThreadPlan {
  if (setting !== 'auto' && !(Number.isInteger(setting) && setting >= 1 && setting <= MAX_DETECTOR_THREADS)) {
    throw new RangeError(`detector threads must be an integer from 1 to ${MAX_DETECTOR_THREADS} or 'auto', got ${setting}`);
  }
  const share = Math.max(1, Math.min(MAX_DETECTOR_THREADS, Math.floor(cores / Math.max(1, instances))));
  const threads = setting === 'auto' ? share : Math.min(setting, share);
  const note =
    setting !== 'auto' && threads < setting
      ? `detector threads ${setting} lowered to ${threads}: ${instances} instance${instances > 1 ? 's' : ''} × ${setting} threads would exceed the ${cores} cores`
      : undefined;
  return { threads, cores, instances, ...(note ? { note } : {}) };
}

export function availableCores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}
