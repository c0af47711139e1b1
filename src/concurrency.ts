/**
 * Bounded concurrency over a list: at most `limit` calls in flight, results in input order.
 *
 * Hand-written because the semantics matter and no pool offers them together: items start lazily
 * (a 118k-image list does not become 118k pending promises), no new item starts once one has
 * failed or `signal` is aborted, and the returned promise settles only after every call in flight
 * has (p-limit and p-map reject at once and leave the rest running behind the caller's back).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure && !signal?.aborted) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  // Workers never reject, so this waits for every call in flight.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
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
