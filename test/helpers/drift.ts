import type { PairDrift } from "../../src/drift/pair.js";

/**
 * A staging → production pair in step (nothing pending, nothing drifting), with what a test sets
 * on top; `counts` are merged into zero counts.
 */
export function pairDrift(
  overrides: Partial<Omit<PairDrift, "counts">> & { counts?: Partial<PairDrift["counts"]> } = {},
): PairDrift {
  const { counts, ...rest } = overrides;
  return {
    from: "staging",
    to: "production",
    from_branch: "staging",
    to_branch: "main",
    from_sha: "1".repeat(40),
    to_sha: "2".repeat(40),
    pending: [],
    applied: [],
    missing_upstream: [],
    environment_local: { upstream: [], downstream: [] },
    files: { unexpected: [], expected: [] },
    ...rest,
    counts: {
      pending: 0,
      applied: 0,
      missing_upstream: 0,
      environment_local: 0,
      unexpected_files: 0,
      drifted_files: 0,
      expected_files: 0,
      ...counts,
    },
  };
}
