/**
 * Which tier a conflicted file belongs to: always_manual paths are tier 3 whatever else matches;
 * files an auto_resolve rule covers are tier 1 (resolved by the rule); every other file needs
 * judgement, tier 2 or 3, which the conflict-resolver flow decides with its confidence threshold.
 */
import { matcherFor } from "../config/glob.js";
import type { AutoResolveRule, ResolvedConfig } from "../config/types.js";

export type TierDecision =
  | { tier: 1; rule: AutoResolveRule; ruleIndex: number }
  | { tier: 2; reason: string }
  | { tier: 3; reason: string };

export function tierRules(conflicts: ResolvedConfig["conflicts"]): (path: string) => TierDecision {
  const manual = matcherFor(conflicts.always_manual);
  const rules = conflicts.auto_resolve.map((rule, i) => ({
    rule,
    i,
    matches: matcherFor(rule.paths),
  }));
  return (path) => {
    if (manual(path)) return { tier: 3, reason: "always_manual: a human resolves it" };
    const hit = rules.find((r) => r.matches(path));
    if (hit) return { tier: 1, rule: hit.rule, ruleIndex: hit.i };
    return {
      tier: 2,
      reason: `needs judgement: the conflict-resolver flow proposes a merge (tier 2 at confidence ${conflicts.ai_confidence_threshold} or above, else tier 3)`,
    };
  };
}
