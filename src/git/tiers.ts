/**
 * Which tier a conflicted file belongs to: always_manual paths are tier 3 whatever else matches;
 * files an auto_resolve rule covers are tier 1 (resolved by the rule); every other file needs
 * judgement, tier 2 or 3, which the conflict-resolver flow decides with its confidence threshold.
 */
import { matcherFor } from "../config/glob.js";
import type { AutoResolveRule, ResolvedConfig } from "../config/types.js";

export type TierDecision =
  /** `source` names the rule for people: `conflicts.auto_resolve[0]`, `drift.expected[1]`. */
  | { tier: 1; rule: Pick<AutoResolveRule, "strategy" | "command">; source: string }
  | { tier: 2; reason: string }
  | { tier: 3; reason: string };

/**
 * @param keep paths the target keeps as they are (its expected differences, with the rule's name):
 *   a conflict there is resolved for the target's side, like an `ours` rule.
 */
export function tierRules(
  conflicts: Pick<
    ResolvedConfig["conflicts"],
    "auto_resolve" | "always_manual" | "ai_confidence_threshold"
  >,
  keep: { matches: (path: string) => boolean; source: string }[] = [],
): (path: string) => TierDecision {
  const manual = matcherFor(conflicts.always_manual);
  const rules = conflicts.auto_resolve.map((rule, i) => ({
    rule,
    source: `conflicts.auto_resolve[${i}]`,
    matches: matcherFor(rule.paths),
  }));
  return (path) => {
    if (manual(path)) return { tier: 3, reason: "always_manual: a human resolves it" };
    const kept = keep.find((k) => k.matches(path));
    if (kept) return { tier: 1, rule: { strategy: "ours" }, source: kept.source };
    const hit = rules.find((r) => r.matches(path));
    if (hit) return { tier: 1, rule: hit.rule, source: hit.source };
    return {
      tier: 2,
      reason: `needs judgement: the conflict-resolver flow proposes a merge (tier 2 at confidence ${conflicts.ai_confidence_threshold} or above, else tier 3)`,
    };
  };
}
