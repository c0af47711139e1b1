import { performance } from 'node:perf_hooks';
import type { RetryStrategyV2 } from '@smithy/types';
import { isTransportFailure, type CallOutcome, type CallState } from './call-context';
import { retrying } from './retry';
import type { CallRecord } from './types';

/** Starts a measured call: wall-clock start for the record, monotonic clock for the duration. */
export interface CallClock {
  startedAt: number;
  startedMono: number;
  elapsed(): number;
}

export function startCall(): CallClock {
  const startedAt = Date.now();
  const startedMono = performance.now();
  return { startedAt, startedMono, elapsed: () => performance.now() - startedMono };
}

/** The timing part of a CallRecord for a call that ends now. */
export function finished(call: CallClock): Pick<CallRecord, 'startedAt' | 'startedMono' | 'durationMs'> {
  return { startedAt: call.startedAt, startedMono: call.startedMono, durationMs: call.elapsed() };
}

/** Reads a response body stream to a Buffer, noting when the first chunk arrived (TTFB). */
export async function readBody(
  stream: AsyncIterable<Uint8Array | string>,
  sinceStart: () => number,
): Promise<{ body: Buffer; ttfbMs: number | undefined }> {
  const chunks: Buffer[] = [];
  let ttfbMs: number | undefined;
  for await (const chunk of stream) {
    if (ttfbMs === undefined) ttfbMs = sinceStart();
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return { body: Buffer.concat(chunks), ttfbMs: ttfbMs ?? sinceStart() };
}

/**
 * A download's body: `request` is one SDK call (with the SDK's own retries inside) that returns
 * the body stream. The SDKs stop retrying once the headers are in, so a body that breaks or
 * stalls is requested again here while the call has attempts left; every attempt is counted by
 * the call's agent either way. Throws the last error when no attempt delivered the whole body.
 */
export async function downloadBody(
  request: () => Promise<AsyncIterable<Uint8Array | string>>,
  opts: { call: CallState; maxAttempts: number; strategy: RetryStrategyV2; sinceStart: () => number },
): Promise<{ body: Buffer; ttfbMs: number | undefined }> {
  type Outcome = { body?: Buffer; ttfbMs?: number; error?: unknown };
  const outcome = await retrying<Outcome>(opts.strategy, async () => {
    let stream: AsyncIterable<Uint8Array | string>;
    try {
      stream = await request();
    } catch (error) {
      return { done: false, retry: null, value: { error } }; // the SDK already spent its retries
    }
    try {
      return { done: true, value: await readBody(stream, opts.sinceStart) };
    } catch (error) {
      const again = isTransportFailure(opts.call) && opts.call.attempts < opts.maxAttempts;
      return { done: false, retry: again ? 'TRANSIENT' : null, value: { error } };
    }
  }, () => opts.call.signal?.aborted === true);
  if (outcome.body === undefined) throw outcome.error;
  return { body: outcome.body, ttfbMs: outcome.ttfbMs };
}

/** The CallRecord of a tracked call (call-context.ts) that ends now: attempts and cause from the agent. */
export function callRecord(call: CallClock, bytes: number, outcome: CallOutcome<unknown>, extra: Partial<CallRecord> = {}): CallRecord {
  const base = { ...finished(call), bytes, attempts: outcome.attempts };
  if (outcome.failure) return { ...base, ok: false, ...outcome.failure };
  return { ...base, ok: true, ...extra };
}
