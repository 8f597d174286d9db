/**
 * How sure the record makes EnvSync of a category's proposals, and the threshold it recommends.
 *
 * Acceptance is bounded with the Wilson score interval, which stays honest on small samples (a
 * category with 3 of 3 accepted is not "100 %"). For k accepted of n decided proposals, p = k/n
 * and z = 1.96 (a 95 % interval):
 *
 *   lower = (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
 *   upper = (p + z²/2n + z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
 *
 * with lower 0 and upper 1 when n is 0. docs/learning.md says the same in words.
 */

export const WILSON_Z = 1.96;

export function wilsonLower(accepted: number, total: number, z = WILSON_Z): number {
  return wilson(accepted, total, z, -1);
}

export function wilsonUpper(accepted: number, total: number, z = WILSON_Z): number {
  return wilson(accepted, total, z, 1);
}

function wilson(k: number, n: number, z: number, sign: 1 | -1): number {
  if (n === 0) return sign < 0 ? 0 : 1;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre + sign * spread) / (1 + z2 / n);
}

/** A decided proposal as the recommendation sees it. */
export interface Decided {
  confidence: number;
  accepted: boolean;
}

export interface Recommendation {
  /** The threshold to configure: a proposal's confidence on record, 1, or the current one. */
  threshold: number;
  /** lower: the lowest confidence that reaches the target; raise: even the best case misses it. */
  basis: "lower" | "raise" | "keep";
  reason: string;
}

/**
 * The rule: among the confidences of the category's decided proposals, the lowest `c` such that
 * the proposals at `c` or above have a Wilson lower bound of acceptance of at least `target`.
 * Only confidences on record are candidates, so a threshold never goes below what has been tried.
 * When none reaches it: if even the Wilson upper bound of the proposals at or above the current
 * threshold is below the target, recommend 1 (offer nothing short of certainty); else there is too
 * little evidence either way and the current threshold stays.
 */
export function recommend(decided: readonly Decided[], current: number, target: number) {
  const levels = [...new Set(decided.map((d) => d.confidence))].sort((a, b) => a - b);
  for (const level of levels) {
    const above = decided.filter((d) => d.confidence >= level);
    const accepted = above.filter((d) => d.accepted).length;
    const lower = wilsonLower(accepted, above.length);
    if (lower >= target)
      return {
        threshold: level,
        basis: "lower",
        reason: `${accepted} of ${above.length} at ${level} or above accepted; lower bound ${round(lower)} ≥ ${target}`,
      } satisfies Recommendation;
  }
  const atCurrent = decided.filter((d) => d.confidence >= current);
  const accepted = atCurrent.filter((d) => d.accepted).length;
  const upper = wilsonUpper(accepted, atCurrent.length);
  if (atCurrent.length > 0 && upper < target)
    return {
      threshold: 1,
      basis: "raise",
      reason: `${accepted} of ${atCurrent.length} at ${current} or above accepted; even the upper bound ${round(upper)} < ${target}`,
    } satisfies Recommendation;
  return {
    threshold: current,
    basis: "keep",
    reason:
      decided.length === 0
        ? "no decided proposals yet"
        : `no confidence on record reaches a lower bound of ${target} yet`,
  } satisfies Recommendation;
}

/** Four decimals: enough to compare with a hand computation, short enough to read. */
export function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
