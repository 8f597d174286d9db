/**
 * Reading commits from the git CLI: branch resolution, commit metadata with cherry-pick trailers,
 * and stable patch ids. Shared by drift, cherry-pick and rollback.
 */
import { pickedFromTrailers, type CommitInfo } from "./equivalence.js";
import { EnvsyncError } from "../errors.js";
import { commitSha, type Git } from "./git.js";

const US = "\u001f";
const RS = "\u001e";

/** A branch's head: the local branch, else origin/<branch>. */
export async function resolveBranch(git: Git, branch: string): Promise<string> {
  for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
    const sha = await commitSha(git, ref);
    if (sha) return sha;
  }
  throw new EnvsyncError(
    "branch-not-found",
    `branch '${branch}' is neither a local branch nor origin/${branch}`,
    { hint: `fetch it first: git fetch origin ${branch}:${branch}` },
  );
}

/** Non-merge commits of `git log <revs>` (a range, or `--no-walk` and SHAs), newest first. */
export async function commitsIn(git: Git, ...revs: string[]): Promise<CommitInfo[]> {
  const out = await git.run([
    "log",
    "--no-merges",
    `--format=%H${US}%an${US}%ae${US}%aI${US}%s${US}%B${RS}`,
    ...revs,
    "--",
  ]);
  return out
    .split(RS)
    .map((record) => record.replace(/^\n/, ""))
    .filter(Boolean)
    .map((record) => {
      const [sha, author, email, date, subject, body] = record.split(US) as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      return { sha, author, email, date, subject, pickedFrom: pickedFromTrailers(body ?? "") };
    });
}

/** sha → `git patch-id --stable` for the non-merge commits of `git log <revs>`. */
export async function patchIds(git: Git, ...revs: string[]): Promise<Map<string, string>> {
  const out = await git.pipe(
    [
      "log",
      "--no-merges",
      "-p",
      "--no-color",
      "--no-ext-diff",
      "--no-textconv",
      "--format=commit %H",
      ...revs,
      "--",
    ],
    ["patch-id", "--stable"],
  );
  const ids = new Map<string, string>();
  for (const line of out.split("\n")) {
    const [patchId, sha] = line.split(" ");
    if (patchId && sha) ids.set(sha, patchId);
  }
  return ids;
}
