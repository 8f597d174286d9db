/**
 * Cherry-picks commits onto an environment's branch in a temporary worktree, so the user's checkout
 * is never touched. Commits already on the target (merged, or an equivalent by patch-id, trailer or
 * fingerprint) are skipped. Conflicts go through the tiers: tier-1 files are resolved by their rule;
 * any other conflicted file stops the run, and the report lists each file with its hunks and tier.
 * Nothing is left half-applied: on a stop the worktree and branch are removed.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedConfig, ResolvedEnvironment } from "../config/types.js";
import { matchCommits } from "../git/equivalence.js";
import { tierRules, type TierDecision } from "./tiers.js";
import { EnvsyncError } from "../errors.js";
import { commitsIn, patchIds, requireFullHistory, resolveBranch } from "../git/commits.js";
import { commitSha, gitIn, isAncestor, type Git } from "../git/git.js";
import type { Env } from "../context.js";

export interface Tier1Resolution {
  path: string;
  strategy: string;
  rule: string;
}

export interface ConflictedFile {
  path: string;
  tier: 1 | 2 | 3;
  reason: string;
  /** The conflict hunks as git left them (ours, then theirs). */
  hunks: { ours: string; theirs: string }[];
}

export interface CherryPickReport {
  environment: string;
  target_branch: string;
  target_sha: string;
  /** The branch holding the picks (absent on a dry run or a stop). */
  branch?: string;
  dry_run: boolean;
  status: "picked" | "conflict" | "nothing to pick";
  picked: { sha: string; new_sha: string; subject: string; tier1: Tier1Resolution[] }[];
  skipped: {
    sha: string;
    subject: string;
    evidence: "merged" | "patch-id" | "trailer" | "fingerprint";
    on_target?: string;
  }[];
  /** Set when a commit stopped on files that need judgement. */
  conflict?: { sha: string; subject: string; files: ConflictedFile[] };
}

export async function cherryPick(
  repo: { dir: string; env: Env },
  config: ResolvedConfig,
  env: ResolvedEnvironment,
  shas: readonly string[],
  options: { dryRun: boolean; keepBranch: boolean },
): Promise<CherryPickReport> {
  const git = gitIn(repo.dir, repo.env);
  await requireFullHistory(git);
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
  };

  const toPick = await notYetApplied(git, requested, targetSha, report);
  if (toPick.length === 0) return report;

  const branch = `envsync/cherry-pick/${env.name}/${toPick[0]!.slice(0, 8)}`;
  if (!options.dryRun && (await commitSha(git, `refs/heads/${branch}`))) {
    throw new EnvsyncError("branch-exists", `branch ${branch} already exists`, {
      hint: "an earlier pick of this commit is waiting for review; merge or delete that branch first",
    });
  }
  const dir = await mkdtemp(join(tmpdir(), "envsync-pick-"));
  const worktree = join(dir, "wt");
  let keep = false;
  try {
    await git.run(["worktree", "add", "--quiet", "--detach", worktree, targetSha]);
    const wt = gitIn(worktree, repo.env);
    if (!options.dryRun) await wt.run(["checkout", "--quiet", "-b", branch]);
    const tierOf = tierRules(config.conflicts);
    for (const sha of toPick) {
      const subject = (await wt.run(["log", "-1", "--format=%s", sha])).trim();
      const tier1: Tier1Resolution[] = [];
      // 1 is git's answer for a pick that stopped (conflicts, or nothing left to commit).
      const pick = await wt.exec(["-c", "core.editor=true", "cherry-pick", "-x", sha], [1]);
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
          report.conflict = {
            sha,
            subject,
            files: await Promise.all(
              decisions.map((d) => describeConflict(worktree, d.path, d.decision)),
            ),
          };
          await wt.run(["cherry-pick", "--abort"]).catch(() => undefined);
          return report;
        }
        for (const { path, decision } of decisions) {
          if (decision.tier !== 1) continue;
          await resolveByRule(wt, { worktree, env: repo.env }, path, decision.rule);
          tier1.push({
            path,
            strategy: decision.rule.strategy,
            rule: `conflicts.auto_resolve[${decision.ruleIndex}]`,
          });
        }
        await wt.run(["-c", "core.editor=true", "cherry-pick", "--continue"]);
      }
      report.picked.push({
        sha,
        new_sha: (await wt.run(["rev-parse", "HEAD"])).trim(),
        subject,
        tier1,
      });
    }
    report.status = "picked";
    if (!options.dryRun) {
      report.branch = branch;
      keep = options.keepBranch;
    }
    return report;
  } finally {
    await git.run(["worktree", "remove", "--force", worktree]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (!options.dryRun && !keep)
      await git.exec(["branch", "-D", branch], [1]).catch(() => undefined);
  }
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
  for (const sha of requested) {
    const merged = await isAncestor(git, sha, targetSha);
    const subject = (await git.run(["log", "-1", "--format=%s", sha])).trim();
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
  return remaining.filter((sha) => {
    const a = applied.get(sha);
    if (!a) return true;
    report.skipped.push({
      sha,
      subject: upstream.find((c) => c.sha === sha)!.subject,
      evidence: a.evidence,
      on_target: a.to_sha,
    });
    return false;
  });
}

async function resolveByRule(
  wt: Git,
  { worktree, env }: { worktree: string; env: Env },
  path: string,
  { strategy, command }: { strategy: string; command?: string | undefined },
): Promise<void> {
  switch (strategy) {
    case "ours":
      await wt.run(["checkout", "--ours", "--", path]);
      break;
    case "theirs":
      await wt.run(["checkout", "--theirs", "--", path]);
      break;
    case "union": {
      const stage = (n: number) => wt.run(["show", `:${n}:${path}`]).catch(() => "");
      const [base, ours, theirs] = await Promise.all([stage(1), stage(2), stage(3)]);
      const dir = await mkdtemp(join(tmpdir(), "envsync-union-"));
      try {
        await Promise.all([
          writeFile(join(dir, "ours"), ours),
          writeFile(join(dir, "base"), base),
          writeFile(join(dir, "theirs"), theirs),
        ]);
        const { stdout: merged } = await wt.exec(
          [
            "merge-file",
            "-p",
            "--union",
            join(dir, "ours"),
            join(dir, "base"),
            join(dir, "theirs"),
          ],
          [1],
        );
        await writeFile(join(worktree, path), merged);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      break;
    }
    case "regenerate":
      // Start from the picked side, then let the rule's command rebuild the file (e.g. a lockfile).
      await wt.run(["checkout", "--theirs", "--", path]);
      await runCommand(command!, { cwd: worktree, env }, path);
      break;
  }
  await wt.run(["add", "--", path]);
}

function runCommand(
  command: string,
  { cwd, env }: { cwd: string; env: Env },
  path: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // The command comes from the repository's own envsync.yaml, as a build script would.
    const child = spawn("sh", ["-c", command], {
      cwd,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(
            new EnvsyncError(
              "regenerate-failed",
              `regenerating ${path} failed: \`${command}\` exited ${code}${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}`,
              { hint: "fix the rule's command in conflicts.auto_resolve" },
            ),
          ),
    );
  });
}

async function describeConflict(
  worktree: string,
  path: string,
  decision: TierDecision,
): Promise<ConflictedFile> {
  const text = await readFile(join(worktree, path), "utf8").catch(() => "");
  const hunks: ConflictedFile["hunks"] = [];
  for (const m of text.matchAll(/^<{7}[^\n]*\n([\s\S]*?)^={7}\n([\s\S]*?)^>{7}[^\n]*$/gm))
    hunks.push({ ours: m[1]!, theirs: m[2]! });
  return {
    path,
    tier: decision.tier,
    reason:
      decision.tier === 1
        ? `conflicts.auto_resolve[${decision.ruleIndex}] (${decision.rule.strategy})`
        : decision.reason,
    hunks,
  };
}
