/**
 * Reads what drift needs for one pair through the GitLab REST API, for projects that are not cloned:
 * three compares per pair (upstream-only commits with the paths they change, downstream-only
 * commits, and the files that differ between the tips). Trailers and fingerprints come with the
 * commits; patch equivalence costs one request per commit, so it is computed only for commits the
 * cheaper evidence left unmatched, at most MAX_PATCH_LOOKUPS per side.
 */
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import {
  fixesNamed,
  matchCommits,
  pickedFromTrailers,
  type CommitInfo,
} from "../git/equivalence.js";
import type { GitLab } from "../gitlab/access.js";
import { COMMIT_DIFF, COMPARE, type ApiCommit, type ApiDiff } from "../gitlab/rest-operations.js";
import { allSettledFirst } from "../gitlab/settle.js";
import type { FileChange } from "./file-drift.js";
import type { PairInput } from "./pair.js";

const MAX_PATCH_LOOKUPS = 100;

export interface ApiReadOptions {
  /** Compare the tips for differing files (a third request). Default true. */
  files?: boolean;
  /** Read diffs of unmatched commits for patch equivalence and exact pending paths. Default true. */
  patchLookups?: boolean;
}

export async function readPairApi(
  { rest }: Pick<GitLab, "rest">,
  project: string,
  pair: { from: string; to: string; fromBranch: string; toBranch: string },
  options: ApiReadOptions = {},
): Promise<PairInput> {
  const compare = (from: string, to: string, straight: boolean) =>
    rest.run(COMPARE, { project, from, to, straight });
  const diffOf = (sha: string) => rest.run(COMMIT_DIFF, { project, sha });
  const [up, down, tips] = await allSettledFirst([
    compare(pair.toBranch, pair.fromBranch, false),
    compare(pair.fromBranch, pair.toBranch, false),
    options.files === false
      ? Promise.resolve({ commits: [], diffs: [] })
      : compare(pair.toBranch, pair.fromBranch, true),
  ]);
  const upstream = toCommits(up.commits);
  const downstream = toCommits(down.commits);
  const pathsBySha =
    options.patchLookups === false
      ? new Map<string, string[]>()
      : await addPatchHashes(upstream, downstream, diffOf);
  const upstreamPaths = new Set(up.diffs.flatMap((d) => [d.new_path, d.old_path]));
  const downstreamPaths = new Set(down.diffs.flatMap((d) => [d.new_path, d.old_path]));
  const upstreamShas = new Set(upstream.map((c) => c.sha));
  return {
    ...pair,
    fromSha: up.commits.at(-1)?.id ?? pair.fromBranch,
    toSha: down.commits.at(-1)?.id ?? pair.toBranch,
    upstream,
    downstream,
    files: tips.diffs.map(toFileChange),
    // Exact when every pending commit's diff was read; past the cap, every path changed upstream
    // since the merge base stands in (it may hide drift, never invent it).
    pathsOf: (commits) =>
      commits.every((c) => pathsBySha.has(c.sha))
        ? new Set(commits.flatMap((c) => pathsBySha.get(c.sha)!))
        : upstreamPaths,
    // Where a commit's diff was not read, the paths its side of the range changes stand in: more
    // than the commit touches, so a commit counts as environment-local only when its whole side
    // changes nothing else.
    touchedBy: (sha) =>
      pathsBySha.get(sha) ?? (upstreamShas.has(sha) ? [...upstreamPaths] : [...downstreamPaths]),
  };
}

/** Non-merge commits, newest first (compare lists them oldest first). */
function toCommits(commits: ApiCommit[]): CommitInfo[] {
  return commits
    .filter((c) => c.parent_ids.length <= 1)
    .reverse()
    .map((c) => ({
      sha: c.id,
      author: c.author_name,
      email: c.author_email,
      // GitLab adds milliseconds; both sides go through here, so fingerprints stay comparable.
      date: c.authored_date.replace(/\.\d+(?=[+-]|Z)/, ""),
      subject: c.title,
      pickedFrom: pickedFromTrailers(c.message),
      fixes: fixesNamed(c.message),
    }));
}

function toFileChange(d: ApiDiff): FileChange {
  if (d.renamed_file) return { status: "R", path: d.new_path, oldPath: d.old_path };
  return { status: d.new_file ? "A" : d.deleted_file ? "D" : "M", path: d.new_path };
}

/**
 * Reads the diffs of the commits trailers and fingerprints left unmatched (upstream: the pending
 * candidates; downstream: only when an upstream one is open) and sets their patch hashes.
 * Returns the paths each read commit touches.
 */
async function addPatchHashes(
  upstream: CommitInfo[],
  downstream: CommitInfo[],
  diffOf: (sha: string) => Promise<ApiDiff[]>,
): Promise<Map<string, string[]>> {
  const first = matchCommits(upstream, downstream);
  const matchedDown = new Set(first.applied.map((a) => a.to_sha));
  const openUp = first.pending.slice(0, MAX_PATCH_LOOKUPS);
  // Downstream ones too, even with nothing open upstream: a hotfix candidate's paths tell an
  // environment's own change (its settings) from one missing upstream.
  const openDown = downstream.filter((d) => !matchedDown.has(d.sha)).slice(0, MAX_PATCH_LOOKUPS);
  const paths = new Map<string, string[]>();
  const limit = pLimit(8);
  // After a failure the lookups still queued end without asking: the pair has failed already.
  let failed = false;
  await allSettledFirst(
    [...openUp, ...openDown].map((c) =>
      limit(async () => {
        if (failed) return;
        try {
          const diffs = await diffOf(c.sha);
          c.patchId = patchHash(diffs);
          paths.set(
            c.sha,
            diffs.flatMap((d) =>
              d.old_path === d.new_path ? [d.new_path] : [d.new_path, d.old_path],
            ),
          );
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
  return paths;
}

/**
 * A content hash in the spirit of `git patch-id --stable`: per file, the path and the added and
 * removed lines without whitespace or line numbers; files in path order. Undefined (unknown, never
 * equal to another commit's) when GitLab left any file's diff out: `collapsed` or `too_large` (large
 * or generated files), or an empty diff where only a pure rename may have one. Two different
 * changes to one such file must not pass for the same patch; trailers and fingerprints decide.
 */
export function patchHash(diffs: ApiDiff[]): string | undefined {
  if (diffs.some(withheld)) return undefined;
  const files = diffs
    .map((d) => {
      const lines = d.diff
        .split("\n")
        .filter(
          (l) =>
            (l.startsWith("+") || l.startsWith("-")) &&
            !l.startsWith("+++") &&
            !l.startsWith("---"),
        );
      return `${d.new_path}\n${lines.map((l) => l[0] + l.slice(1).replace(/\s+/g, "")).join("\n")}`;
    })
    .sort();
  if (files.length === 0) return undefined;
  return createHash("sha1").update(files.join("\n\0")).digest("hex");
}

/** A file whose change the diff does not show, so its content cannot be compared. */
function withheld(d: ApiDiff): boolean {
  if (d.collapsed || d.too_large) return true;
  // Empty without a flag: a pure rename has nothing to show; anything else (a mode change, a file
  // GitLab withheld without saying) cannot be told apart from another change to the same path.
  return d.diff === "" && !(d.renamed_file && !d.new_file && !d.deleted_file);
}
