/**
 * One environment pair's drift, computed from what a reader (local git or the GitLab API) gathered.
 * The JSON shape is the contract other tools parse (see README).
 */
import type { ResolvedConfig } from "../config/types.js";
import { matchCommits, type AppliedCommit, type CommitInfo } from "../git/equivalence.js";
import { matcherFor } from "../config/glob.js";
import {
  classifyFiles,
  expectedPathsFor,
  type ExpectedFile,
  type FileChange,
  type UnexpectedFile,
} from "./file-drift.js";

export interface PairInput {
  from: string;
  to: string;
  fromBranch: string;
  toBranch: string;
  fromSha: string;
  toSha: string;
  /** Non-merge commits only on the upstream branch, newest first. */
  upstream: CommitInfo[];
  downstream: CommitInfo[];
  files: FileChange[];
  /** Paths the given upstream commits touch (exact locally; through the API, every upstream-only change). */
  pathsOf: (commits: readonly CommitInfo[]) => Set<string>;
  /** The paths one commit (either side) touches, where they were read; undefined where not. */
  touchedBy: (sha: string) => readonly string[] | undefined;
}

export interface CommitSummary {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

export interface PairDrift {
  from: string;
  to: string;
  from_branch: string;
  to_branch: string;
  from_sha: string;
  to_sha: string;
  pending: CommitSummary[];
  applied: AppliedCommit[];
  missing_upstream: CommitSummary[];
  /**
   * Commits that touch only paths expected to differ between the pair (a branch's own settings):
   * they belong to their environment, so they are neither pending nor missing upstream.
   */
  environment_local: { upstream: CommitSummary[]; downstream: CommitSummary[] };
  files: { unexpected: UnexpectedFile[]; expected: ExpectedFile[] };
  counts: {
    pending: number;
    applied: number;
    missing_upstream: number;
    environment_local: number;
    unexpected_files: number;
    drifted_files: number;
    expected_files: number;
  };
}

export function computePairDrift(
  input: PairInput,
  config: Pick<ResolvedConfig, "drift">,
): PairDrift {
  const matched = matchCommits(input.upstream, input.downstream);
  const { applied } = matched;
  const isLocal = environmentLocal(input, config.drift);
  const pending = matched.pending.filter((c) => !isLocal(c));
  const missingUpstream = matched.missingUpstream.filter((c) => !isLocal(c));
  const environmentLocalCommits = {
    upstream: matched.pending.filter(isLocal),
    downstream: matched.missingUpstream.filter(isLocal),
  };
  const pendingPaths = pending.length > 0 ? input.pathsOf(pending) : new Set<string>();
  const files = classifyFiles(input.files, config.drift, input, pendingPaths);
  const summary = (c: CommitInfo): CommitSummary => ({
    sha: c.sha,
    subject: c.subject,
    author: c.author,
    date: c.date,
  });
  return {
    from: input.from,
    to: input.to,
    from_branch: input.fromBranch,
    to_branch: input.toBranch,
    from_sha: input.fromSha,
    to_sha: input.toSha,
    pending: pending.map(summary),
    applied,
    missing_upstream: missingUpstream.map(summary),
    environment_local: {
      upstream: environmentLocalCommits.upstream.map(summary),
      downstream: environmentLocalCommits.downstream.map(summary),
    },
    files: { unexpected: files.unexpected, expected: files.expected },
    counts: {
      pending: pending.length,
      applied: applied.length,
      missing_upstream: missingUpstream.length,
      environment_local:
        environmentLocalCommits.upstream.length + environmentLocalCommits.downstream.length,
      unexpected_files: files.unexpected.length,
      // Differences no pending promotion explains: the drift the exit code reports.
      drifted_files: files.unexpected.filter((f) => !f.pending).length,
      expected_files: files.expected.length,
    },
  };
}

/**
 * Whether a commit touches only paths a `drift.expected` rule covers for this pair (ignored paths
 * aside, and at least one expected path). A commit whose paths were not read is never local: it
 * stays pending or missing upstream, where a person sees it.
 */
function environmentLocal(
  input: Pick<PairInput, "from" | "to" | "touchedBy">,
  rules: ResolvedConfig["drift"],
): (commit: CommitInfo) => boolean {
  const expected = expectedPathsFor(rules.expected, input);
  const ignored = matcherFor(rules.ignore);
  return (commit) => {
    const paths = input.touchedBy(commit.sha);
    if (!paths || paths.length === 0) return false;
    const relevant = paths.filter((p) => !ignored(p));
    return relevant.length > 0 && relevant.every(expected);
  };
}

/** Drift needs attention when a difference is unexplained or a hotfix never went upstream. */
export function needsAttention(pair: PairDrift): boolean {
  return pair.counts.drifted_files > 0 || pair.counts.missing_upstream > 0;
}
