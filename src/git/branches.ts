/**
 * Which commit stands for an environment branch. Teams' clones hold stale local branches: a local
 * `develop` behind `origin/develop` answers with commits long promoted, and a pick onto a stale
 * `staging` "applies" what is already there. EnvSync compares the remote-tracking branch when
 * there is one, fetched first, and says how the local branch differs from it.
 */
import type { Env } from "../context.js";
import { commitSha, gitIn, GitError, tryGit, type Git } from "./git.js";

export interface BranchHead {
  branch: string;
  /** The ref compared: `origin/<branch>`, or the local branch when origin has none. */
  compared: string;
  sha: string;
  /** The local branch, when it is not where the compared ref is. */
  local?: { sha: string; ahead: number; behind: number };
}

export type FetchOutcome =
  | { status: "fetched" }
  | { status: "skipped"; reason: "--no-fetch" | "no origin remote" }
  | { status: "failed"; reason: string };

export interface BranchFreshness {
  fetch: FetchOutcome;
  heads: BranchHead[];
}

/**
 * Fetches the environment branches from origin (unless told not to), then reads where each stands.
 * A failed fetch is reported, not fatal: the remote-tracking branches as last fetched are still a
 * better answer than the local ones, and the notes say how old they may be.
 */
export async function freshBranches(
  git: Git,
  branches: readonly string[],
  options: {
    fetch: boolean;
    /** The client that fetches: one that keeps the job's git credentials. */
    fetcher?: Git;
    onFetch?: () => void;
  },
): Promise<BranchFreshness> {
  const fetch = await fetchBranches(git, options.fetcher ?? git, branches, options);
  const heads: BranchHead[] = [];
  for (const branch of new Set(branches)) {
    const [remote, local] = await Promise.all([
      commitSha(git, `refs/remotes/origin/${branch}`),
      commitSha(git, `refs/heads/${branch}`),
    ]);
    if (!remote) {
      // resolveBranch says what is missing when nothing is.
      if (local) heads.push({ branch, compared: branch, sha: local });
      continue;
    }
    const head: BranchHead = { branch, compared: `origin/${branch}`, sha: remote };
    if (local && local !== remote) {
      const counts = await git.run(["rev-list", "--left-right", "--count", `${local}...${remote}`]);
      const [ahead, behind] = counts.trim().split(/\s+/).map(Number);
      head.local = { sha: local, ahead: ahead ?? 0, behind: behind ?? 0 };
    }
    heads.push(head);
  }
  return { fetch, heads };
}

/** `freshBranches` for the repository in `dir`, fetching with the job's git credentials. */
export function freshBranchesIn(
  repo: { dir: string; env: Env; signal?: AbortSignal },
  branches: readonly string[],
  options: { fetch: boolean; onFetch?: () => void },
): Promise<BranchFreshness> {
  const work = repo.signal ? { signal: repo.signal } : {};
  return freshBranches(gitIn(repo.dir, repo.env, work), branches, {
    ...options,
    fetcher: gitIn(repo.dir, repo.env, { ...work, gitCredentials: true }),
  });
}

async function fetchBranches(
  git: Git,
  fetcher: Git,
  branches: readonly string[],
  options: { fetch: boolean; onFetch?: () => void },
): Promise<FetchOutcome> {
  if (!options.fetch) return { status: "skipped", reason: "--no-fetch" };
  const remote = await tryGit(git, ["remote", "get-url", "origin"]);
  if (remote.exitCode !== 0) return { status: "skipped", reason: "no origin remote" };
  options.onFetch?.();
  const fetchArgs = (wanted: readonly string[]) => [
    ...["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin"],
    ...wanted.map((b) => `+refs/heads/${b}:refs/remotes/origin/${b}`),
  ];
  try {
    await fetcher.run(fetchArgs([...new Set(branches)]));
    return { status: "fetched" };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    // One branch origin lacks (not pushed yet) fails the whole fetch: fetch the others alone.
    if (!/couldn't find remote ref/i.test(error.message))
      return { status: "failed", reason: error.message.replace(/^git fetch failed: /, "") };
  }
  const missing: string[] = [];
  for (const branch of new Set(branches)) {
    const one = await fetcher.exec(fetchArgs([branch]), "any");
    if (one.exitCode !== 0) missing.push(branch);
  }
  return missing.length === branches.length
    ? { status: "failed", reason: `origin has none of ${missing.join(", ")}` }
    : { status: "fetched" };
}

/** What a reader should know about the refs compared, one line each; nothing when all is current. */
export function freshnessNotes(freshness: BranchFreshness): string[] {
  const notes: string[] = [];
  if (freshness.fetch.status === "failed")
    notes.push(
      `could not fetch origin (${freshness.fetch.reason}); comparing the remote-tracking ` +
        "branches as last fetched",
    );
  for (const head of freshness.heads) {
    const { local } = head;
    if (!local) continue;
    const parts = [
      ...(local.behind > 0 ? [`${local.behind} behind`] : []),
      ...(local.ahead > 0 ? [`${local.ahead} ahead of`] : []),
    ];
    const what =
      parts.length === 2 ? `${parts[0]} and ${parts[1]}` : (parts[0] ?? "not the same as");
    const unpushed =
      local.ahead > 0
        ? `; ${local.ahead === 1 ? "its commit not on origin is" : `its ${local.ahead} commits not on origin are`} not counted`
        : "";
    notes.push(
      `local ${head.branch} is ${what} ${head.compared}: comparing ${head.compared}${unpushed}`,
    );
  }
  return notes;
}
