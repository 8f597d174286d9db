import type { PromotionPair, ResolvedConfig } from "../config/types.js";
import { UsageError } from "../errors.js";
import { closest } from "../config/suggest.js";

/** The chain's adjacent pairs, or the one pair asked for with --from/--to. */
export function selectPairs(config: ResolvedConfig, from?: string, to?: string): PromotionPair[] {
  if (from === undefined && to === undefined) return config.promotion.pairs;
  if (from === undefined || to === undefined) throw new UsageError("--from and --to go together", "e.g. --from staging --to production");
  const names = config.environments.map((e) => e.name);
  for (const name of [from, to]) {
    if (!names.includes(name)) {
      const guess = closest(name, names);
      throw new UsageError(`'${name}' is not an environment in the config`, guess ? `did you mean '${guess}'?` : `environments: ${names.join(", ")}`);
    }
  }
  if (from === to) throw new UsageError("--from and --to name the same environment");
  return [{ from, to }];
}

export function branchOf(environments: ResolvedConfig["environments"], name: string): string {
  return environments.find((e) => e.name === name)!.branch;
}
