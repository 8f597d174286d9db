/**
 * Whether a directory is a git checkout, and the error that says so when a command needs one:
 * git's own "fatal: not a git repository" names neither the directory nor the way out.
 */
import type { Env } from "../context.js";
import { usageError, type EnvsyncError } from "../errors.js";
import { gitIn, tryGit } from "./git.js";

/** What `localHistoryGap` says of a directory that is no checkout. */
export const NOT_A_CHECKOUT = "not a git checkout";

/** Whether `dir` is inside a git work tree. */
export async function isCheckout(dir: string, env: Env): Promise<boolean> {
  const { stdout, exitCode } = await tryGit(gitIn(dir, env), [
    "rev-parse",
    "--is-inside-work-tree",
  ]);
  return exitCode === 0 && stdout.trim() === "true";
}

export function notACheckout(dir: string, orElse?: string): EnvsyncError {
  return usageError(`${dir === "." ? "this directory" : dir} is not a git checkout`, {
    code: "not-a-checkout",
    hint: `run it in your repository's checkout, or name it with -C DIR${orElse ? `; ${orElse}` : ""}`,
  });
}

/** Fails with `notACheckout` unless `dir` is a git checkout. */
export async function requireCheckout(dir: string, env: Env, orElse?: string): Promise<void> {
  if (!(await isCheckout(dir, env))) throw notACheckout(dir, orElse);
}
