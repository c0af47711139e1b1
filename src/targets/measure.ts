import fs from 'node:fs';
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
  toFile?: string,
): Promise<{ body: Buffer | undefined; bytes: number; ttfbMs: number | undefined }> {
  const chunks: Buffer[] = [];
  let ttfbMs: number | undefined;
  let bytes = 0;
  // To a file (truncated on every attempt): a large object is never held in memory.
  const fd = toFile === undefined ? undefined : fs.openSync(toFile, 'w');
  try {
    for await (const chunk of stream) {
      if (ttfbMs === undefined) ttfbMs = sinceStart();
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      bytes += buf.length;
      if (fd === undefined) chunks.push(buf);
      else for (let at = 0; at < buf.length; ) at += fs.writeSync(fd, buf, at);
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return { body: fd === undefined ? Buffer.concat(chunks) : undefined, bytes, ttfbMs: ttfbMs ?? sinceStart() };
}

/** HTTP statuses worth another attempt (the SDKs' transient and throttling set). */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

function httpStatusOf(err: unknown): number | undefined {
  // AWS: $metadata; Azure: statusCode; Google: a numeric code.
  const e = err as { $metadata?: { httpStatusCode?: number }; statusCode?: number; code?: unknown };
  return e?.$metadata?.httpStatusCode ?? e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
}

/**
 * A download's body. `request(again)` is one SDK call returning the body stream: the first with
 * the SDK's own retries inside, later ones (`again`) through a client that makes exactly one
 * attempt. The SDKs stop retrying once the headers are in, so a body that breaks or stalls is
 * requested again here, and so is a failed re-request, while the call has attempts left of
 * `maxAttempts` — the budget holds across both. Every attempt is counted by the call's agent.
 * Throws the last error when no attempt delivered the whole body.
 */
export async function downloadBody(
  request: (again: boolean) => Promise<AsyncIterable<Uint8Array | string>>,
  opts: { call: CallState; maxAttempts: number; strategy: RetryStrategyV2; sinceStart: () => number; toFile?: string },
): Promise<{ body: Buffer | undefined; bytes: number; ttfbMs: number | undefined }> {
  type Outcome = { body?: Buffer; bytes?: number; ttfbMs?: number; error?: unknown };
  const { call, maxAttempts } = opts;
  let again = false;
  const outcome = await retrying<Outcome>(opts.strategy, async () => {
    const first = !again;
    again = true;
    let stream: AsyncIterable<Uint8Array | string>;
    try {
      stream = await request(!first);
    } catch (error) {
      // The first request's SDK already spent its retries; a re-request was one attempt.
      const retry = !first && call.attempts < maxAttempts && (isTransportFailure(call) || RETRYABLE_STATUS.has(httpStatusOf(error) ?? 0));
      return { done: false, retry: retry ? 'TRANSIENT' : null, value: { error } };
    }
    try {
      return { done: true, value: await readBody(stream, opts.sinceStart, opts.toFile) };
    } catch (error) {
      // A stream-returning SDK (Google's) reports a re-request's error status while the body is read.
      const retry = call.attempts < maxAttempts && (isTransportFailure(call) || (!first && RETRYABLE_STATUS.has(httpStatusOf(error) ?? 0)));
      return { done: false, retry: retry ? 'TRANSIENT' : null, value: { error } };
    }
  }, () => call.signal?.aborted === true);
  if (outcome.bytes === undefined) throw outcome.error;
  return { body: outcome.body, bytes: outcome.bytes, ttfbMs: outcome.ttfbMs };
}

/** The CallRecord of a tracked call (call-context.ts) that ends now: attempts and cause from the agent. */
export function callRecord(call: CallClock, bytes: number, outcome: CallOutcome<unknown>, extra: Partial<CallRecord> = {}): CallRecord {
  const base = { ...finished(call), bytes, attempts: outcome.attempts };
  if (outcome.failure) return { ...base, ok: false, ...outcome.failure };
  return { ...base, ok: true, ...extra };
}
