/**
 * Cherry-picks commits onto an environment's branch in a temporary worktree, so the user's checkout
 * is never touched. Commits already on the target (merged, or an equivalent by patch-id, trailer or
 * fingerprint) are skipped. Conflicts go through the tiers: tier-1 files are resolved by their rule;
 * any other conflicted file stops the run, and the report lists each file with its hunks and tier.
 * Nothing is left half-applied: on a stop the worktree and branch are removed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { matchCommits, type AppliedCommit, type CommitInfo } from "../git/equivalence.js";
import { prerequisitesOf, type Prerequisite } from "./prerequisites.js";
import { tierRules, type TierDecision } from "../git/tiers.js";
import {
  describeConflict,
  expectedFor,
  keepTargetFiles,
  onlyKeptFiles,
  resolveByRule,
  type ConflictedFile,
  type Tier1Resolution,
} from "../git/conflict-rules.js";
import { EnvsyncError } from "../errors.js";
import { commitsIn, patchIds, ensureHistory, resolveBranch } from "../git/commits.js";
import { commitSha, gitIn, isAncestor, type Git } from "../git/git.js";
import { freshBranchesIn, type BranchFreshness } from "../git/branches.js";
import type { Env } from "../context.js";
import type { Activity } from "../output/progress.js";

export interface CherryPickReport {
  environment: string;
  target_branch: string;
  target_sha: string;
  /**
   * The branch holding the picks (absent on a dry run or a stop): on a conflict with
   * `commitConflicts`, the picks so far and the conflicting one with its markers committed.
   */
  branch?: string;
  dry_run: boolean;
  /**
   * An earlier run's branch, given the merge request that run did not open (`--mr`); the picks
   * are as they would be made now.
   */
  resumed?: boolean;
  /** `branch exists`: an earlier run's branch is there and `reuseBranch` asked to keep it. */
  status: "picked" | "conflict" | "nothing to pick" | "branch exists";
  picked: {
    sha: string;
    new_sha: string;
    subject: string;
    tier1: Tier1Resolution[];
    /** Expected differences of the target the pick changed, given back their target version. */
    kept?: string[];
  }[];
  skipped: {
    sha: string;
    subject: string;
    /** `environment-local`: the commit changes only files the target keeps as they are. */
    evidence: "merged" | "patch-id" | "trailer" | "fingerprint" | "environment-local";
    on_target?: string;
  }[];
  /** Whether origin was fetched, and the ref the target branch was taken from. */
  branches?: BranchFreshness;
  /** Set when a commit stopped on files that need judgement. */
  conflict?: {
    sha: string;
    subject: string;
    files: ConflictedFile[];
    /** Commits to pick first, oldest first: they last touched the conflicting lines. */
    prerequisites: Prerequisite[];
    /** One line that picks them together with this commit. */
    with_prerequisites?: string;
    /**
     * Files committed on `branch` with their conflict markers (the ones needing judgement), the
     * tier-1 files resolved by their rule; absent when nothing was committed.
     */
    left_as_markers?: string[];
    /** Requested commits after the conflicting one: not picked. */
    not_picked: string[];
  };
}

/** What `cherryPick` does beyond picking. */
export interface CherryPickOptions {
  dryRun: boolean;
  keepBranch: boolean;
  fetch: boolean;
  activity?: Activity;
  /**
   * On conflicts that need judgement, commit the pick anyway: tier-1 files resolved by their rule,
   * the others with git's conflict markers, so a draft merge request can show them.
   */
  commitConflicts?: boolean;
  /** When the pick's branch exists already, report it (`branch exists`) instead of failing. */
  reuseBranch?: boolean;
}

/**
 * Picks `shas` onto the environment's branch in a temporary worktree. Whatever happens, an error,
 * a conflict or `signal` aborting (Ctrl-C), the worktree, its directory and an unfinished branch are
 * removed before this returns.
 */
export async function cherryPick(
  repo: { dir: string; env: Env; signal?: AbortSignal },
  config: ResolvedConfig,
  env: ResolvedEnvironment,
  shas: readonly string[],
  options: CherryPickOptions,
): Promise<CherryPickReport> {
  const work = repo.signal ? { signal: repo.signal } : {};
  const git = gitIn(repo.dir, repo.env, work);
  // Cleanup must run after an interrupt too, so it does not listen to the signal.
  const cleanup = gitIn(repo.dir, repo.env);
  const { activity } = options;
  // Picking onto a stale local branch would "apply" what origin's branch already has.
  const branches = await freshBranchesIn(repo, [env.branch], {
    fetch: options.fetch,
    onFetch: () => activity?.step(`fetching ${env.branch} from origin`),
  });
  await ensureHistory(
    git,
    [env.branch],
    gitIn(repo.dir, repo.env, { ...work, gitCredentials: true }),
  );
  const targetSha = await resolveBranch(git, env.branch);
  const requested = await Promise.all(shas.map((s) => fullSha(git, s)));
  const report: CherryPickReport = {
    environment: env.name,
    target_branch: env.branch,
    target_sha: targetSha,
    dry_run: options.dryRun,
    status: "nothing to pick",
    picked: [],
    skipped: [],
    branches,
  };

  const toPick = await notYetApplied(git, requested, targetSha, report);
  if (toPick.length === 0) return report;

  const branch = pickBranchName(env.name, toPick[0]!);
  if (!options.dryRun && (await commitSha(git, `refs/heads/${branch}`))) {
    if (options.reuseBranch) return { ...report, status: "branch exists", branch };
    throw new EnvsyncError("branch-exists", `branch ${branch} already exists`, {
      hint: "an earlier pick of this commit is waiting for review; merge or delete that branch first",
    });
  }
  const dir = await mkdtemp(join(tmpdir(), "envsync-pick-"));
  const worktree = join(dir, "wt");
  let keep = false;
  try {
    await git.run(["worktree", "add", "--quiet", "--detach", worktree, targetSha]);
    const wt = gitIn(worktree, repo.env, work);
    if (!options.dryRun) await wt.run(["checkout", "--quiet", "-b", branch]);
    const targetKeeps = expectedFor(config, env);
    const tierOf = tierRules(config.conflicts, targetKeeps);
    for (const [index, sha] of toPick.entries()) {
      const subject = (await wt.run(["log", "-1", "--format=%s", sha])).trim();
      activity?.step(`picking ${index + 1}/${toPick.length}: ${sha.slice(0, 10)} ${subject}`);
      const tier1: Tier1Resolution[] = [];
      const resolveTier1 = async (
        decisions: { path: string; decision: TierDecision }[],
        into: Tier1Resolution[],
      ) => {
        for (const { path, decision } of decisions) {
          if (decision.tier !== 1) continue;
          if (decision.rule.strategy === "regenerate" && !options.dryRun)
            activity?.step(`regenerating ${path}: ${decision.rule.command ?? ""}`);
          const ran = await resolveByRule(
            wt,
            { worktree, env: repo.env, dryRun: options.dryRun, ...work },
            path,
            decision.rule,
          );
          into.push({ path, strategy: decision.rule.strategy, rule: decision.source, ...ran });
        }
      };
      // A merge commit (a merged MR's) is picked as its change to the first parent: `-m 1`.
      const mainline = (await isMerge(wt, sha)) ? ["-m", "1"] : [];
      // 1 is git's answer for a pick that stopped (conflicts, or nothing left to commit).
      const pick = await wt.exec(
        ["-c", "core.editor=true", "cherry-pick", "-x", ...mainline, sha],
        [1],
      );
      const clean = pick.exitCode === 0;
      if (!clean) {
        const conflicted = (await wt.run(["diff", "--name-only", "--diff-filter=U"]))
          .split("\n")
          .filter(Boolean);
        if (conflicted.length === 0)
          throw new EnvsyncError(
            "pick-failed",
            `cherry-pick of ${sha.slice(0, 10)} failed without conflicts`,
            { hint: "check that the commit applies (an empty pick, or a merge commit?)" },
          );
        const decisions = conflicted.map((path) => ({ path, decision: tierOf(path) }));
        const open = decisions.filter((d) => d.decision.tier !== 1);
        if (open.length > 0) {
          report.status = "conflict";
          const prerequisites = await prerequisitesOf(
            git,
            sha,
            targetSha,
            open.map((d) => d.path),
          );
          report.conflict = {
            sha,
            subject,
            files: await Promise.all(
              decisions.map((d) => describeConflict(worktree, d.path, d.decision)),
            ),
            prerequisites,
            ...(prerequisites.length > 0
              ? {
                  with_prerequisites: `envsync cherry-pick ${[...prerequisites.map((p) => p.sha.slice(0, 12)), sha.slice(0, 12)].join(" ")} --to ${env.name}`,
                }
              : {}),
            not_picked: toPick.slice(index + 1),
          };
          if (!options.commitConflicts || options.dryRun) {
            await wt.run(["cherry-pick", "--abort"]).catch(() => undefined);
            return report;
          }
          await resolveTier1(decisions, tier1);
          // The files that need judgement go in as git left them, markers and all.
          await wt.run(["add", "-A", "--", ...open.map((d) => d.path)]);
          await wt.run(["-c", "core.editor=true", "cherry-pick", "--continue"]);
          const message = await wt.run(["log", "-1", "--format=%B"]);
          await wt.run([
            "commit",
            "--quiet",
            "--amend",
            "--no-verify",
            "-m",
            message.trimEnd(),
            "-m",
            `EnvSync: conflict markers left for review in ${open.map((d) => d.path).join(", ")}`,
          ]);
          const kept = await keepTargetFiles(wt, targetKeeps);
          report.conflict.left_as_markers = open.map((d) => d.path);
          report.picked.push({
            sha,
            new_sha: (await wt.run(["rev-parse", "HEAD"])).trim(),
            subject,
            tier1,
            ...(kept !== "nothing left" && kept.length > 0 ? { kept } : {}),
          });
          report.branch = branch;
          keep = options.keepBranch;
          return report;
        }
        await resolveTier1(decisions, tier1);
        // Keeping the target's side of every file can leave nothing to commit: that commit
        // belonged to the environment it came from.
        const staged = await wt.exec(["diff", "--cached", "--quiet", "HEAD"], [1]);
        if (staged.exitCode === 0 && (await onlyKeptFiles(wt, sha, targetKeeps))) {
          await wt.run(["cherry-pick", "--skip"]);
          report.skipped.push({ sha, subject, evidence: "environment-local" });
          continue;
        }
        await wt.run(["-c", "core.editor=true", "cherry-pick", "--continue"]);
      }
      const kept = await keepTargetFiles(wt, targetKeeps);
      if (kept === "nothing left") {
        report.skipped.push({ sha, subject, evidence: "environment-local" });
        continue;
      }
      report.picked.push({
        sha,
        new_sha: (await wt.run(["rev-parse", "HEAD"])).trim(),
        subject,
        tier1,
        ...(kept.length > 0 ? { kept } : {}),
      });
    }
    if (report.picked.length === 0) return report;
    report.status = "picked";
    if (!options.dryRun) {
      report.branch = branch;
      keep = options.keepBranch;
    }
    return report;
  } finally {
    await cleanup.run(["worktree", "remove", "--force", worktree]).catch(() => undefined);
    await cleanup.run(["worktree", "prune"]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (!options.dryRun && !keep)
      await cleanup.exec(["branch", "-D", branch], [1]).catch(() => undefined);
  }
}

/** The branch a pick onto `environment` starting with `firstSha` is made on. */
export function pickBranchName(environment: string, firstSha: string): string {
  return `envsync/cherry-pick/${environment}/${firstSha.slice(0, 8)}`;
}

async function isMerge(git: Git, sha: string): Promise<boolean> {
  const parents = (await git.run(["rev-list", "--parents", "-n", "1", sha])).trim().split(" ");
  return parents.length > 2;
}

async function fullSha(git: Git, ref: string): Promise<string> {
  const sha = await commitSha(git, ref);
  if (!sha)
    throw new EnvsyncError("not-a-commit", `'${ref}' is not a commit in this repository`, {
      hint: "fetch it first (git fetch origin)",
    });
  return sha;
}

/** Drops (and reports) requested commits the target already has, merged or as an equivalent. */
async function notYetApplied(
  git: Git,
  requested: string[],
  targetSha: string,
  report: CherryPickReport,
): Promise<string[]> {
  const remaining: string[] = [];
  const subjects = new Map<string, string>();
  for (const sha of requested) {
    const merged = await isAncestor(git, sha, targetSha);
    const subject = (await git.run(["log", "-1", "--format=%s", sha])).trim();
    subjects.set(sha, subject);
    if (merged) report.skipped.push({ sha, subject, evidence: "merged" });
    else remaining.push(sha);
  }
  if (remaining.length === 0) return [];
  const [upstream, downstream, upIds, downIds] = await Promise.all([
    commitsIn(git, "--no-walk", ...remaining),
    commitsIn(git, targetSha, "--not", ...remaining),
    patchIds(git, "--no-walk", ...remaining),
    patchIds(git, targetSha, "--not", ...remaining),
  ]);
  for (const c of upstream) c.patchId = upIds.get(c.sha);
  for (const c of downstream) c.patchId = downIds.get(c.sha);
  const applied = new Map(matchCommits(upstream, downstream).applied.map((a) => [a.sha, a]));
  const kept: string[] = [];
  for (const sha of remaining) {
    const a = applied.get(sha) ?? (await mergeApplied(git, sha, downstream));
    if (!a) {
      kept.push(sha);
      continue;
    }
    report.skipped.push({
      sha,
      subject: subjects.get(sha)!,
      evidence: a.evidence,
      on_target: a.to_sha,
    });
  }
  return kept;
}

/**
 * A merge commit (a merged MR's) is on the target when a pick of it is (its trailer names it), or
 * when every commit it merged is, by drift's equivalence. `git log --no-merges` never lists it, so
 * `matchCommits` alone cannot tell.
 */
async function mergeApplied(
  git: Git,
  sha: string,
  downstream: CommitInfo[],
): Promise<AppliedCommit | undefined> {
  if (!(await isMerge(git, sha))) return undefined;
  const named = downstream.find((d) => d.pickedFrom.some((ref) => sha.startsWith(ref)));
  if (named) return { sha, to_sha: named.sha, evidence: "trailer" };
  const range = `${sha}^1..${sha}`;
  const [merged, ids] = await Promise.all([commitsIn(git, range), patchIds(git, range)]);
  if (merged.length === 0) return undefined;
  for (const c of merged) c.patchId = ids.get(c.sha);
  const found = matchCommits(merged, downstream);
  if (found.pending.length > 0) return undefined;
  const newest = found.applied[0]!;
  return { sha, to_sha: newest.to_sha, evidence: newest.evidence };
}
