/**
 * One measured call (an upload, a download, an inference) as its HTTP attempts see it.
 *
 * The SDKs retry inside themselves and do not say what each attempt went through, so a call runs
 * in an AsyncLocalStorage slot that follows it through every await into the SDK and down to
 * `http.request()`. There the deadline agent (deadline-agent.ts) counts each attempt, applies the
 * call's deadlines and notes how the latest attempt failed at the transport level (a deadline,
 * a reset). The adapter then records exact attempts and the real cause, whatever shape the SDK
 * gave the final error (AbortError, "Data corruption failure", a renamed TimeoutError, …).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestTimeouts } from './timeouts';

export interface TransportFailure {
  code: string;
  message: string;
}

export interface CallState {
  readonly timeouts: RequestTimeouts;
  /** The caller's signal: aborting it ends the call at once (recorded as `Aborted`). */
  readonly signal?: AbortSignal;
  /** HTTP attempts started so far in this call. */
  attempts: number;
  /** How the latest attempt failed at the transport level; cleared when an attempt starts. */
  lastFailure?: TransportFailure;
}

export interface CallOutcome<T> {
  value?: T;
  /** Set when the call threw; `failure` then says why in a row's terms. */
  error?: unknown;
  failure?: { errorCode: string; errorMessage: string };
  /** At least 1: a call that failed before any request (e.g. credentials) still was one attempt. */
  attempts: number;
}

const calls = new AsyncLocalStorage<CallState>();

/** The measured call the current async context belongs to (undefined for housekeeping calls). */
export function currentCall(): CallState | undefined {
  return calls.getStore();
}

/** Runs `fn` as one measured call; never throws (a failed call is data in a benchmark). */
export function trackCall<T>(
  timeouts: RequestTimeouts,
  signal: AbortSignal | undefined,
  fn: (call: CallState) => Promise<T>,
): Promise<CallOutcome<T>> {
  const call: CallState = { timeouts, signal, attempts: 0 };
  return calls.run(call, async () => {
    try {
      const value = await fn(call);
      return { value, attempts: Math.max(1, call.attempts) };
    } catch (error) {
      return { error, failure: explainFailure(error, call), attempts: Math.max(1, call.attempts) };
    }
  });
}

/**
 * The row's errorCode and message for a failed call: the user's abort first, then what the
 * transport saw in the last attempt (deadline, reset), else the SDK's or service's error.
 */
export function explainFailure(err: unknown, call: CallState): { errorCode: string; errorMessage: string } {
  if (call.signal?.aborted) return { errorCode: 'Aborted', errorMessage: 'stopped before the request completed' };
  if (call.lastFailure) return { errorCode: call.lastFailure.code, errorMessage: call.lastFailure.message };
  return describeError(err);
}

/** True when the call's latest attempt broke in transit (deadline or reset): worth trying again. */
export function isTransportFailure(call: CallState): boolean {
  return call.lastFailure !== undefined && !call.signal?.aborted;
}

/** Error code and message from any SDK or network error, for a failed CallRecord. */
export function describeError(err: unknown): { errorCode: string; errorMessage: string } {
  const e = err as { name?: string; code?: string; Code?: string; message?: string; statusCode?: number };
  const errorCode = e?.Code ?? (e?.code && typeof e.code === 'string' ? e.code : undefined) ?? e?.name ?? 'Error';
  return { errorCode, errorMessage: String(e?.message ?? err).slice(0, 500) };
}

/**
 * Settles with `p`, or rejects with an AbortError as soon as `signal` aborts (the deadline agent
 * ends the request itself). `p` is always handled, so its late rejection is never unhandled.
 */
export function abortable<T>(signal: AbortSignal | undefined, p: Promise<T>): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
    const done = () => signal.removeEventListener('abort', onAbort);
    p.then((v) => { done(); resolve(v); }, (e) => { done(); reject(e); });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
