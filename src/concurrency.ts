/**
 * Bounded concurrency over a list: at most `limit` calls in flight, results in input order. No new
 * item starts once one has failed or `signal` is aborted, and the returned promise settles only
 * after every call in flight has. Hand-written (a few lines) rather than on a pool library:
 * p-limit queues a closure per item up front (1,000,000 items cost ~1 GB of heap, measured),
 * and p-map's stopOnError rejects at once and leaves the calls in flight running behind the
 * caller's back. Here `limit` workers pull the next index, so memory does not grow with the list.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  signal?.throwIfAborted();
  const results = new Array<R>(items.length);
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    while (!failure && !signal?.aborted && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
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
