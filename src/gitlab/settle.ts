/**
 * Like Promise.all, but settles only when every promise has: the first rejection is thrown once
 * the others are done. A failed request then never leaves its siblings running past the caller,
 * so a command's answer (and its request count) covers everything it started.
 */
export async function allSettledFirst<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
