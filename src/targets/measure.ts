import { performance } from 'node:perf_hooks';
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

/** Error code and message from any SDK or network error, for a failed CallRecord. */
export function describeError(err: unknown): { errorCode: string; errorMessage: string } {
  const e = err as { name?: string; code?: string; Code?: string; message?: string; statusCode?: number };
  const errorCode = e?.Code ?? (e?.code && typeof e.code === 'string' ? e.code : undefined) ?? e?.name ?? 'Error';
  return { errorCode, errorMessage: String(e?.message ?? err).slice(0, 500) };
}

export function failedRecord(call: CallClock, bytes: number, attempts: number, err: unknown): CallRecord {
  return { ...finished(call), bytes, attempts, ok: false, ...describeError(err) };
}

/** Builds the CallRecord of one call of `bytes` payload as it ends (success or failure). */
export function recorder(call: CallClock, bytes: number) {
  return (ok: boolean, attempts: number, extra: Partial<CallRecord> = {}): CallRecord => ({
    ...finished(call),
    bytes,
    attempts,
    ok,
    ...extra,
  });
}
