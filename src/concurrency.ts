/**
 * Bounded concurrency over a list: at most `limit` calls in flight, results in input order, on
 * p-limit (a kept library; ESM, hence the dynamic import). The semantics the runner and the
 * dataset code rely on, which p-limit and p-map do not give alone: no new item starts once one has
 * failed or `signal` is aborted (the queue is cleared), and the returned promise settles only
 * after every call in flight has (p-map's stopOnError rejects at once and leaves the rest running
 * behind the caller's back).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  signal?.throwIfAborted();
  const { default: pLimit } = await import('p-limit');
  const run = pLimit({ concurrency: Math.max(1, Math.min(limit, items.length || 1)), rejectOnClear: true });
  const results = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  const stop = () => run.clearQueue();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // Cleared (never started) items reject with an AbortError: allSettled waits for the rest.
    await Promise.allSettled(
      items.map((item, i) =>
        run(async () => {
          try {
            results[i] = await fn(item, i);
          } catch (error) {
            if (!failure) {
              failure = { error };
              run.clearQueue();
            }
          }
        }),
      ),
    );
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (failure) throw failure.error;
  signal?.throwIfAborted();
  return results;
}

export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  await mapLimit(items, limit, fn, signal);
}
