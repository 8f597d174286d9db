/**
 * Reading commits from the git CLI: branch resolution, commit metadata with cherry-pick trailers,
 * and stable patch ids. Shared by drift, cherry-pick and rollback.
 */
import { fixesNamed, pickedFromTrailers, type CommitInfo } from "./equivalence.js";
import { EnvsyncError } from "../errors.js";
import { commitSha, GitError, type Git } from "./git.js";

/**
 * A branch's head: origin/<branch>, else the local branch. A local branch is often stale (a
 * `develop` checked out weeks ago); what origin has is what the environment is built from.
 */
export async function resolveBranch(git: Git, branch: string): Promise<string> {
  for (const ref of [`refs/remotes/origin/${branch}`, `refs/heads/${branch}`]) {
    const sha = await commitSha(git, ref);
    if (sha) return sha;
  }
  throw new EnvsyncError(
    "branch-not-found",
    `branch '${branch}' is neither origin/${branch} nor a local branch`,
    { hint: `fetch it first: git fetch origin ${branch}:${branch}` },
  );
}

/** Fields of one commit in `commitsIn`'s format; the stream is NUL-separated (`-z`). */
const COMMIT_FIELDS = 6;
const FULL_SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Non-merge commits of `git log <revs>` (a range, or `--no-walk` and SHAs), newest first. Fields
 * are NUL-separated: a commit message can hold any other character, so nothing in one can forge a
 * field or a commit.
 */
export async function commitsIn(git: Git, ...revs: string[]): Promise<CommitInfo[]> {
  const args = ["log", "-z", "--no-merges", "--format=%H%x00%an%x00%ae%x00%aI%x00%s%x00%B"];
  const out = await git.run([...args, ...revs, "--"]);
  const fields = out.split("\0");
  if (fields.at(-1) === "") fields.pop();
  const commits: CommitInfo[] = [];
  for (let i = 0; i < fields.length; i += COMMIT_FIELDS) {
    const [sha, author, email, date, subject, body] = fields.slice(i, i + COMMIT_FIELDS);
    if (!sha || !FULL_SHA.test(sha) || body === undefined)
      throw new EnvsyncError("git-output", "git log printed something that is not a commit list", {
        hint: "check the repository with `git fsck`",
      });
    commits.push({
      sha,
      author: author!,
      email: email!,
      date: date!,
      subject: subject!,
      pickedFrom: pickedFromTrailers(body),
      fixes: fixesNamed(body),
    });
  }
  return commits;
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

/**
 * Refuses a shallow clone: commits beyond its depth look absent, so every answer built on history
 * (pending, applied, hotfixes missing upstream, migrations in between) would be wrong.
 */
export async function requireFullHistory(git: Git): Promise<void> {
  const shallow = (await git.run(["rev-parse", "--is-shallow-repository"])).trim() === "true";
  if (shallow)
    throw new EnvsyncError(
      "shallow-history",
      "this clone is shallow, so history EnvSync compares is missing",
      {
        hint: "run `git fetch --unshallow` (in GitLab CI, set GIT_DEPTH: 0), or use --api",
      },
    );
}

/**
 * Makes the branches' whole history present: a shallow clone, or one without an environment
 * branch (a Duo flow's workload checkout), fetches exactly those branches from `origin`. When that
 * cannot be done, the clone is refused rather than read with history missing.
 */
export async function ensureHistory(
  git: Git,
  branches: readonly string[],
  /** The client that fetches: one that keeps the job's git credentials. */
  fetcher: Git = git,
): Promise<void> {
  const shallow = (await git.run(["rev-parse", "--is-shallow-repository"])).trim() === "true";
  const missing: string[] = [];
  for (const branch of branches) {
    const found = await Promise.all(
      [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`].map((ref) => commitSha(git, ref)),
    );
    if (!found.some(Boolean)) missing.push(branch);
  }
  if (!shallow && missing.length === 0) return;
  const wanted = shallow ? branches : missing;
  const refspecs = wanted.map((b) => `+refs/heads/${b}:refs/remotes/origin/${b}`);
  try {
    await fetcher.run([
      ...["fetch", "--quiet", "--no-tags", ...(shallow ? ["--unshallow"] : [])],
      ...["origin", ...refspecs],
    ]);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    // Reading on would answer from missing history: say why the fetch failed instead.
    throw new EnvsyncError(
      "git-fetch-failed",
      `this clone lacks the history of ${wanted.join(", ")}, and fetching it from origin failed: ${error.message.replace(/^git fetch failed: /, "")}`,
      {
        hint: shallow
          ? "give the job the whole history (in GitLab CI, GIT_DEPTH: 0) or git credentials for origin, or use --api"
          : `fetch it first (git fetch origin ${wanted.join(" ")}), or give the job git credentials for origin`,
      },
    );
  }
}
