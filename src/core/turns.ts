import { setImmediate as nextTurn } from "node:timers/promises";
import { interrupted } from "../git/git.js";

/**
 * `fn` over each item, letting the event loop turn between items. Ctrl-C and SIGTERM are handled
 * on that loop: work over many files stays interruptible between any two of them, and each file's
 * work is linear in its size (see docs/security.md). Once `signal` is aborted it stops with
 * `interrupted`.
 */
export async function mapTakingTurns<T, R>(
  items: readonly T[],
  fn: (item: T) => R,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) {
    if (signal?.aborted) throw interrupted();
    results.push(fn(item));
    await nextTurn();
  }
  if (signal?.aborted) throw interrupted();
  return results;
}
