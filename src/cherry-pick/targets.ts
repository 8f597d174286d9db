/**
 * The environments `--to` names: one, several (`staging,production`), or `downstream`, every
 * environment after the one the commits are on, in chain order. Picks run in chain order whatever
 * order the names were given in.
 */
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { requireEnvironment } from "../config/resolve.js";
import { EnvsyncError } from "../errors.js";
import { resolveBranch } from "../git/commits.js";
import { isAncestor, type Git } from "../git/git.js";

export const DOWNSTREAM = "downstream";

/** Environments in chain order; those outside the chain after it, in file order. */
function chainOrder(config: ResolvedConfig): ResolvedEnvironment[] {
  const inChain = config.promotion.chain.map((name) => requireEnvironment(config, name));
  return [...inChain, ...config.environments.filter((e) => !inChain.includes(e))];
}

/** The named environments (`a,b`), each once, in chain order. */
export function namedTargets(config: ResolvedConfig, to: string): ResolvedEnvironment[] {
  const names = to
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const wanted = new Set(names.map((n) => requireEnvironment(config, n).name));
  return chainOrder(config).filter((e) => wanted.has(e.name));
}

/**
 * The chain's environments after `from` (the environment the commits are on: the last one in the
 * chain whose branch has all of them when not given).
 */
export async function downstreamTargets(
  config: ResolvedConfig,
  git: Git,
  shas: readonly string[],
  from?: string,
): Promise<ResolvedEnvironment[]> {
  const chain = config.promotion.chain.map((name) => requireEnvironment(config, name));
  let at = from === undefined ? -1 : chain.findIndex((e) => e.name === from);
  if (from === undefined)
    for (const [i, env] of chain.entries()) {
      const head = await resolveBranch(git, env.branch).catch(() => undefined);
      if (!head) continue;
      let all = true;
      for (const sha of shas) if (!(await isAncestor(git, sha, head))) all = false;
      if (all) at = i;
    }
  if (at < 0)
    throw new EnvsyncError(
      "no-downstream",
      "the commits are on no environment branch of the promotion chain",
      { hint: `name the targets instead: --to ${chain.map((e) => e.name).join(",")}` },
    );
  if (at === chain.length - 1)
    throw new EnvsyncError(
      "no-downstream",
      `the commits are on ${chain[at]!.name}, the last environment of the chain: nothing is downstream`,
      { hint: "name the targets instead: --to ENV[,ENV]" },
    );
  return chain.slice(at + 1);
}
