/**
 * One environment pair's drift, computed from what a reader (local git or the GitLab API) gathered.
 * The JSON shape is the contract other tools parse (see README).
 */
import type { ResolvedConfig } from "../config/types.js";
import { matchCommits, type AppliedCommit, type CommitInfo } from "../git/equivalence.js";
import {
  classifyFiles,
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
  files: { unexpected: UnexpectedFile[]; expected: ExpectedFile[] };
  counts: {
    pending: number;
    applied: number;
    missing_upstream: number;
    unexpected_files: number;
    drifted_files: number;
    expected_files: number;
  };
}

export function computePairDrift(input: PairInput, config: ResolvedConfig): PairDrift {
  const { pending, applied, missingUpstream } = matchCommits(input.upstream, input.downstream);
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
    files: { unexpected: files.unexpected, expected: files.expected },
    counts: {
      pending: pending.length,
      applied: applied.length,
      missing_upstream: missingUpstream.length,
      unexpected_files: files.unexpected.length,
      // Differences no pending promotion explains: the drift the exit code reports.
      drifted_files: files.unexpected.filter((f) => !f.pending).length,
      expected_files: files.expected.length,
    },
  };
}

/** Drift needs attention when a difference is unexplained or a hotfix never went upstream. */
export function needsAttention(pair: PairDrift): boolean {
  return pair.counts.drifted_files > 0 || pair.counts.missing_upstream > 0;
}
