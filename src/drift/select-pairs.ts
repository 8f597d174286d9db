import { requireEnvironment } from "../config/resolve.js";
import type { PromotionPair, ResolvedConfig } from "../config/types.js";
import { usageError } from "../errors.js";

/** The chain's adjacent pairs, or the one pair asked for with --from/--to. */
export function selectPairs(config: ResolvedConfig, from?: string, to?: string): PromotionPair[] {
  if (from === undefined && to === undefined) return config.promotion.pairs;
  if (from === undefined || to === undefined)
    throw usageError("--from and --to go together", {
      hint: "e.g. --from staging --to production",
    });
  for (const name of [from, to]) requireEnvironment(config, name);
  if (from === to) throw usageError("--from and --to name the same environment");
  return [{ from, to }];
}
