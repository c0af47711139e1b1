/**
 * The retry budget of every adapter. The SDKs retry inside themselves (AWS: smithy's standard
 * strategy; Azure Storage: its StorageRetryPolicy); the two places that have no SDK to do it — a
 * download whose body breaks after the SDK returned, and the Azure ML / plain HTTP client — use the
 * AWS SDK's own StandardRetryStrategy (exponential backoff with full jitter, a retry quota), a kept
 * implementation rather than one of ours.
 */
import { ConfiguredRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorType, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { RetryPolicy } from '../config/targets';

export { DEFAULT_RETRY, type RetryPolicy } from '../config/targets';

const MAX_DELAY_MS = 20_000;

/** The smithy strategy for a policy: the SDK's standard one, or full jitter on our base. */
export function createRetryStrategy(policy: RetryPolicy): RetryStrategyV2 {
  const base = policy.baseDelayMs;
  if (base === undefined) return new StandardRetryStrategy(policy.maxAttempts);
  return new ConfiguredRetryStrategy(policy.maxAttempts, (attempt) => Math.floor(Math.random() * Math.min(base * 2 ** attempt, MAX_DELAY_MS)));
}

export type AttemptResult<T> =
  | { done: true; value: T }
  | { done: false; retry: RetryErrorType | null; value: T; retryAfterMs?: number };

/**
 * Runs `attempt` until it is done or the strategy refuses another try (attempts used up, retry
 * quota empty, or `retry: null` = not retryable); returns the last result either way.
 * `abandon` stops retrying (e.g. the caller aborted).
 */
export async function retrying<T>(
  strategy: RetryStrategyV2,
  attempt: () => Promise<AttemptResult<T>>,
  abandon: () => boolean = () => false,
): Promise<T> {
  let token: RetryToken = await strategy.acquireInitialRetryToken('cloudbench');
  for (;;) {
    const result = await attempt();
    if (result.done) {
      strategy.recordSuccess(token);
      return result.value;
    }
    if (result.retry === null || abandon()) return result.value;
    try {
      // Waits the backoff itself before handing out the next token.
      token = await strategy.refreshRetryTokenForRetry(token, {
        errorType: result.retry,
        ...(result.retryAfterMs !== undefined ? { retryAfterHint: new Date(Date.now() + result.retryAfterMs) } : {}),
      });
    } catch {
      return result.value;
    }
    if (abandon()) return result.value;
  }
}
