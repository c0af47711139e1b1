/**
 * Per-attempt deadlines of every HTTP request an adapter makes, and the error a missed deadline
 * becomes. A benchmark must never wait forever: a stalled connect, a service that never answers
 * and a body that stops halfway all end at a known time, as a retry or as a failed row whose
 * error code says which deadline passed.
 */

import type { RequestTimeouts } from '../config/targets';

export { DEFAULT_TIMEOUTS, type RequestTimeouts } from '../config/targets';

export type TimeoutKind = 'connect' | 'firstByte' | 'total';

/** The errorCode a request row gets when an attempt missed that deadline (and no retry fixed it). */
export const TIMEOUT_ERROR_CODES: Readonly<Record<TimeoutKind, string>> = Object.freeze({
  connect: 'ConnectTimeout',
  firstByte: 'FirstByteTimeout',
  total: 'TotalTimeout',
});

const WHAT: Record<TimeoutKind, string> = {
  connect: 'no connection',
  firstByte: 'no response',
  total: 'response not complete',
};

/**
 * Thrown into a request (or its response body) when a deadline passes. `code: 'ETIMEDOUT'` and
 * `$retryable` make every SDK's retry policy treat it as transient (smithy: by trait and errno;
 * Azure Storage: by errno), so a timeout is retried like a reset.
 */
export class RequestTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly $retryable = {};
  constructor(
    readonly kind: TimeoutKind,
    readonly limitMs: number,
  ) {
    super(`${TIMEOUT_ERROR_CODES[kind]}: ${WHAT[kind]} within ${limitMs} ms (timeout)`);
    this.name = TIMEOUT_ERROR_CODES[kind];
  }
}

export function timeoutLimit(t: RequestTimeouts, kind: TimeoutKind): number {
  return kind === 'connect' ? t.connectMs : kind === 'firstByte' ? t.firstByteMs : t.totalMs;
}
