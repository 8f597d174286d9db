/**
 * Paths that differ between two environment branches, split into expected (a drift.expected rule
 * covers the pair and the path, with its reason) and unexpected; drift.ignore paths are dropped.
 */
import { matcherFor, type PathMatcher } from "../config/glob.js";
import type { ExpectedDifference } from "../config/types.js";

export interface FileChange {
  /** A added upstream, D deleted upstream, M modified, R renamed, T type change. */
  status: string;
  path: string;
  /** For renames: the path on the downstream branch. */
  oldPath?: string;
}

export interface UnexpectedFile {
  path: string;
  status: string;
  old_path?: string;
  /** A pending upstream commit touches this path: promoting would change it. */
  pending: boolean;
}

export interface ExpectedFile {
  path: string;
  /** As in UnexpectedFile: what promoting would do to the path. */
  status: string;
  old_path?: string;
  /** "drift.expected[N]" */
  rule: string;
  reason: string;
}

export interface FileDrift {
  unexpected: UnexpectedFile[];
  expected: ExpectedFile[];
  ignored: number;
}

/** Paths a `drift.expected` rule covering both environments of the pair allows to differ. */
export function expectedPathsFor(
  rules: readonly ExpectedDifference[],
  pair: { from: string; to: string },
): PathMatcher {
  return matcherFor(
    rules
      .filter((rule) => rule.between.includes(pair.from) && rule.between.includes(pair.to))
      .flatMap((rule) => rule.paths),
  );
}

export function classifyFiles(
  changes: readonly FileChange[],
  rules: { expected: readonly ExpectedDifference[]; ignore: readonly string[] },
  pair: { from: string; to: string },
  pendingPaths: ReadonlySet<string>,
): FileDrift {
  const ignored = matcherFor(rules.ignore);
  const applicable = rules.expected
    .map((rule, index) => ({ rule, index, matches: matcherFor(rule.paths) }))
    .filter(({ rule }) => rule.between.includes(pair.from) && rule.between.includes(pair.to));
  const result: FileDrift = { unexpected: [], expected: [], ignored: 0 };
  for (const change of changes) {
    const paths = change.oldPath ? [change.path, change.oldPath] : [change.path];
    if (paths.every((p) => ignored(p))) {
      result.ignored++;
      continue;
    }
    const rule = applicable.find(({ matches }) => paths.some((p) => matches(p)));
    if (rule) {
      result.expected.push({
        path: change.path,
        status: change.status,
        ...(change.oldPath ? { old_path: change.oldPath } : {}),
        rule: `drift.expected[${rule.index}]`,
        reason: rule.rule.reason,
      });
      continue;
    }
    result.unexpected.push({
      path: change.path,
      status: change.status,
      ...(change.oldPath ? { old_path: change.oldPath } : {}),
      pending: paths.some((p) => pendingPaths.has(p)),
    });
  }
  return result;
}
