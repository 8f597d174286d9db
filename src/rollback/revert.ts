/**
 * A rollback by reverts: in a temporary worktree cut from the environment's branch, every commit
 * between the target and what is deployed is reverted, newest first. The branch's first-parent
 * line is walked: a merge commit is reverted with `-m 1`, which undoes everything it brought in,
 * so the commits inside it are undone with it and never reverted twice. The environment's
 * expected differences (drift.expected) keep the branch's version: they are its own, not part of
 * the release being rolled back. Conflicts go through the tiers as in cherry-pick: tier-1 files
 * are resolved by their rule, anything else stops the run with nothing applied. Whatever happens
 * (an error, a stop, Ctrl-C) the worktree is removed, and so is an unfinished branch.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import type { Env } from "../context.js";
import { EnvsyncError, usageError } from "../errors.js";
import { patchIds, resolveBranch } from "../git/commits.js";
import {
  describeConflict,
  expectedFor,
  keepTargetFiles,
  onlyKeptFiles,
  resolveByRule,
  type ConflictedFile,
  type Tier1Resolution,
} from "../git/conflict-rules.js";
import { pickedFromTrailers } from "../git/equivalence.js";
import { commitSha, gitIn, isAncestor, tryGit, type Git } from "../git/git.js";
import { tierRules } from "../git/tiers.js";
import { ROLLBACK_BRANCH_PREFIX } from "../gitlab/rollback-record.js";
import type { Activity } from "../output/progress.js";

/** One revert the rollback makes, newest first. */
export interface PlannedRevert {
  sha: string;
  subject: string;
  /** A merge commit: reverted against its first parent (`git revert -m 1`). */
  merge: boolean;
}

/** One commit the rollback undoes: each commit between the target and what is deployed. */
export interface UndoneCommit {
  sha: string;
  subject: string;
  /** The merge whose revert undoes it, when it came in through one. */
  in_merge?: string;
  patch_id?: string;
  picked_from: string[];
}

export interface RevertPlan {
  /** The environment branch's head the reverts go on top of. */
  base_sha: string;
  branch: string;
  reverts: PlannedRevert[];
  undone: UndoneCommit[];
}

export interface RevertOutcome {
  status: "reverted" | "conflict" | "unchanged" | "already rolled back" | "planned";
  reverted: {
    sha: string;
    new_sha: string;
    subject: string;
    tier1: Tier1Resolution[];
    /** Expected differences the revert changed, given back the branch's version. */
    kept?: string[];
  }[];
  skipped: { sha: string; subject: string; reason: "environment-local" | "already undone" }[];
  conflict?: { sha: string; subject: string; files: ConflictedFile[] };
  /** Set when a branch holds the reverts (made now, or found from an earlier run). */
  branch?: string;
}

/** The branch a rollback of `env` to `target` goes on. */
export const rollbackBranch = (env: string, target: string) =>
  `${ROLLBACK_BRANCH_PREFIX}${env}-${target.slice(0, 8)}`;

/** The trailer on each revert: which rollback it belongs to, so a second run recognises it. */
const trailerValue = (env: string, deployed: string, target: string) =>
  `${env} ${deployed} -> ${target}`;
const TRAILER = "Envsync-Rollback";

/** Fields of one commit in the log format below (NUL-separated, so no message can forge one). */
const FIELDS = 4;

/** What lies between the target and what is deployed, and the reverts that undo it. */
export async function planReverts(
  git: Git,
  env: ResolvedEnvironment,
  target: string,
  deployed: string,
): Promise<RevertPlan> {
  const base = await resolveBranch(git, env.branch);
  if (!(await isAncestor(git, deployed, base)))
    throw new EnvsyncError(
      "deployed-not-on-branch",
      `what is deployed (${deployed.slice(0, 10)}) is not in ${env.branch}'s history`,
      {
        hint: `the branch was rewritten since that deployment; roll back with --via redeploy, or fetch ${env.branch}`,
      },
    );
  const out = await git.run([
    ...["log", "-z", "--topo-order", "--format=%H%x00%P%x00%s%x00%B"],
    ...[`${target}..${deployed}`, "--"],
  ]);
  const fields = out.split("\0");
  if (fields.at(-1) === "") fields.pop();
  const commits = new Map<string, { parents: string[]; subject: string; body: string }>();
  for (let i = 0; i + FIELDS <= fields.length; i += FIELDS) {
    const [sha, parents, subject, body] = fields.slice(i, i + FIELDS);
    commits.set(sha!.trim(), {
      parents: parents!.split(" ").filter(Boolean),
      subject: subject!,
      body: body!,
    });
  }
  const firstParent = (
    await git.run(["rev-list", "--first-parent", `${target}..${deployed}`, "--"])
  )
    .split("\n")
    .filter(Boolean);
  const last = firstParent.at(-1);
  if (last && commits.get(last)?.parents[0] !== target)
    throw usageError(
      `the target ${target.slice(0, 10)} is not on ${env.branch}'s first-parent line: it came in through a merge`,
      {
        hint: "roll back to a commit of the branch itself (the merge that brought the target in, or one before it)",
        code: "target-off-first-parent",
      },
    );
  const ids = await patchIds(git, `${target}..${deployed}`);
  const undoneOne = (sha: string, inMerge?: string): UndoneCommit => {
    const c = commits.get(sha)!;
    const patchId = ids.get(sha);
    return {
      sha,
      subject: c.subject,
      ...(inMerge ? { in_merge: inMerge } : {}),
      ...(patchId ? { patch_id: patchId } : {}),
      picked_from: pickedFromTrailers(c.body),
    };
  };
  const reverts: PlannedRevert[] = [];
  const undone: UndoneCommit[] = [];
  for (const sha of firstParent) {
    const c = commits.get(sha)!;
    const merge = c.parents.length > 1;
    reverts.push({ sha, subject: c.subject, merge });
    undone.push(undoneOne(sha));
    if (!merge) continue;
    const brought = (await git.run(["rev-list", "--topo-order", `${c.parents[0]}..${sha}`, "--"]))
      .split("\n")
      .filter((s) => s && s !== sha && commits.has(s));
    for (const inside of brought) undone.push(undoneOne(inside, sha));
  }
  return { base_sha: base, branch: rollbackBranch(env.name, target), reverts, undone };
}

/**
 * Makes the reverts on the plan's branch (or, with `dryRun`, in a throwaway worktree only). A
 * branch an earlier run made for the same rollback is recognised by its trailer and kept as it is;
 * a branch of that name made for another rollback is refused.
 */
export async function revertInWorktree(
  repo: { dir: string; env: Env; signal?: AbortSignal },
  config: ResolvedConfig,
  env: ResolvedEnvironment,
  plan: RevertPlan,
  revisions: { target: string; deployed: string },
  options: { dryRun: boolean; activity?: Activity },
): Promise<RevertOutcome> {
  const work = repo.signal ? { signal: repo.signal } : {};
  const git = gitIn(repo.dir, repo.env, work);
  // Cleanup must run after an interrupt too, so it does not listen to the signal.
  const cleanup = gitIn(repo.dir, repo.env);
  const outcome: RevertOutcome = { status: "planned", reverted: [], skipped: [] };
  const keep = expectedFor(config, env);
  const trailer = trailerValue(env.name, revisions.deployed, revisions.target);

  if (await alreadyMatchesTarget(git, plan.base_sha, revisions.target, keep)) {
    outcome.status = "already rolled back";
    return outcome;
  }
  const existing = await existingBranch(repo, plan.branch);
  if (existing) {
    const message = await git.run(["log", "-1", "--format=%B", existing]);
    if (!message.includes(`${TRAILER}: ${trailer}`))
      throw new EnvsyncError(
        "branch-exists",
        `branch ${plan.branch} already exists for another rollback`,
        {
          hint: "an earlier rollback to this target is waiting for review: merge or close its merge request and delete the branch first",
        },
      );
    if (options.dryRun) return outcome;
    outcome.status = "unchanged";
    outcome.branch = plan.branch;
    // Found only on origin: a local branch of it, so the push that follows has one.
    if (existing !== `refs/heads/${plan.branch}`)
      await git.run(["branch", "--quiet", plan.branch, existing]);
    return outcome;
  }

  const dir = await mkdtemp(join(tmpdir(), "envsync-rollback-"));
  const worktree = join(dir, "wt");
  let keepBranch = false;
  try {
    await git.run(["worktree", "add", "--quiet", "--detach", worktree, plan.base_sha]);
    const wt = gitIn(worktree, repo.env, work);
    if (!options.dryRun) await wt.run(["checkout", "--quiet", "-b", plan.branch]);
    const tierOf = tierRules(config.conflicts, keep);
    for (const [index, revert] of plan.reverts.entries()) {
      const { sha, subject } = revert;
      options.activity?.step(
        `reverting ${index + 1}/${plan.reverts.length}: ${sha.slice(0, 10)} ${subject}`,
      );
      const mainline = revert.merge ? ["-m", "1"] : [];
      const tier1: Tier1Resolution[] = [];
      const run = await wt.exec(
        ["-c", "core.editor=true", "revert", "--no-edit", ...mainline, sha],
        [1],
      );
      if (run.exitCode !== 0) {
        const conflicted = (await wt.run(["diff", "--name-only", "--diff-filter=U"]))
          .split("\n")
          .filter(Boolean);
        if (conflicted.length === 0) {
          // Nothing left to revert: the branch undid this change already.
          await wt.run(["revert", "--skip"]);
          outcome.skipped.push({ sha, subject, reason: "already undone" });
          continue;
        }
        const decisions = conflicted.map((path) => ({ path, decision: tierOf(path) }));
        if (decisions.some((d) => d.decision.tier !== 1)) {
          outcome.status = "conflict";
          outcome.conflict = {
            sha,
            subject,
            files: await Promise.all(
              decisions.map((d) => describeConflict(worktree, d.path, d.decision)),
            ),
          };
          await wt.run(["revert", "--abort"]).catch(() => undefined);
          return outcome;
        }
        for (const { path, decision } of decisions) {
          if (decision.tier !== 1) continue;
          const ran = await resolveByRule(
            wt,
            { worktree, env: repo.env, dryRun: options.dryRun, ...work },
            path,
            decision.rule,
          );
          tier1.push({ path, strategy: decision.rule.strategy, rule: decision.source, ...ran });
        }
        const staged = await wt.exec(["diff", "--cached", "--quiet", "HEAD"], [1]);
        if (staged.exitCode === 0) {
          await wt.run(["revert", "--skip"]);
          outcome.skipped.push({
            sha,
            subject,
            reason: (await onlyKeptFiles(wt, sha, keep)) ? "environment-local" : "already undone",
          });
          continue;
        }
        await wt.run(["-c", "core.editor=true", "revert", "--continue"]);
      }
      const kept = await keepTargetFiles(wt, keep);
      if (kept === "nothing left") {
        outcome.skipped.push({ sha, subject, reason: "environment-local" });
        continue;
      }
      await wt.run([
        ...["-c", "core.editor=true", "commit", "--quiet", "--amend", "--no-edit"],
        ...["--trailer", `${TRAILER}: ${trailer}`],
      ]);
      outcome.reverted.push({
        sha,
        new_sha: (await wt.run(["rev-parse", "HEAD"])).trim(),
        subject,
        tier1,
        ...(kept.length > 0 ? { kept } : {}),
      });
    }
    outcome.status = outcome.reverted.length > 0 ? "reverted" : "already rolled back";
    if (!options.dryRun && outcome.reverted.length > 0) {
      outcome.branch = plan.branch;
      keepBranch = true;
    }
    return outcome;
  } finally {
    await cleanup.run(["worktree", "remove", "--force", worktree]).catch(() => undefined);
    await cleanup.run(["worktree", "prune"]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (!options.dryRun && !keepBranch)
      await cleanup.exec(["branch", "-D", plan.branch], [1]).catch(() => undefined);
  }
}

/**
 * Whether the branch already has the target's files, but for its own expected differences: the
 * rollback was merged (or done by hand), and only a deployment is left to do.
 */
async function alreadyMatchesTarget(
  git: Git,
  base: string,
  target: string,
  keep: { matches: (path: string) => boolean }[],
): Promise<boolean> {
  const args = ["-c", "core.quotePath=false", "diff", "--name-only", "--no-renames", target, base];
  const changed = (await git.run([...args, "--"])).split("\n").filter(Boolean);
  return changed.every((path) => keep.some((k) => k.matches(path)));
}

/**
 * The rollback branch an earlier run left: local, else on origin (fetched, with the job's git
 * credentials). Undefined when there is none.
 */
async function existingBranch(
  repo: { dir: string; env: Env; signal?: AbortSignal },
  branch: string,
): Promise<string | undefined> {
  const git = gitIn(repo.dir, repo.env, repo.signal ? { signal: repo.signal } : {});
  const local = `refs/heads/${branch}`;
  if (await commitSha(git, local)) return local;
  const remote = await tryGit(git, ["remote", "get-url", "origin"]);
  if (remote.exitCode !== 0) return undefined;
  const fetcher = gitIn(repo.dir, repo.env, { gitCredentials: true });
  const tracking = `refs/remotes/origin/${branch}`;
  const fetched = await tryGit(fetcher, [
    ...["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "origin"],
    `+refs/heads/${branch}:${tracking}`,
  ]);
  return fetched.exitCode === 0 && (await commitSha(git, tracking)) ? tracking : undefined;
}
